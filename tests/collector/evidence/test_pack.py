"""The evidence pack built once from the demo: every figure equals what the pages'
functions and ``analysis/`` compute, the manifest verifies and catches a changed byte,
no file holds a small cell or a personal detail, 𠊎 survives everywhere, and a
plugin's section and file are in."""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import g
from sqlalchemy import func
from sqlalchemy import select
from sqlmodel import Session

from analysis.sample_size import margin_of_error
from collector.access.scoped import scoped
from collector.complaints import statistics as stats
from collector.complaints.views.statistics import _questionnaire as page_followup_questionnaire
from collector.core import clock
from collector.core.db import get_engine
from collector.core.disclosure import MIN_CELL
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.plugins import get_plugins
from collector.evidence.build import command_line_actor
from collector.evidence.verify import verify
from collector.results.core_sections.common import scale_items
from collector.results.estimation import composite
from collector.results.estimation import design_for
from collector.results.estimation import interval
from collector.results.estimation import satisfaction
from collector.results.wavedata import WaveReader
from collector.results.waves import parse_period
from collector.results.weights import WaveWeighting
from collector.staff_survey.service import SLUG as STAFF_SLUG
from tests.collector.evidence.conftest import AGENCY
from tests.collector.evidence.conftest import HAKKA
from tests.collector.evidence.conftest import Packed
from tests.collector.evidence.conftest import every_file
from tests.helpers.evidence_files import read_text
from tests.helpers.evidence_files import xlsx_rows


def figures_of(packed: Packed) -> list[dict[str, Any]]:
    document = json.loads((packed.built.folder / "opendata" / "figures.json").read_text("utf-8"))
    figures: list[dict[str, Any]] = document["figures"]
    return figures


class Direct:
    """The figures computed again, straight from the functions the pages call and
    ``analysis/`` (through ``collector.results.estimation``), not from the pack."""

    def __init__(self, packed: Packed, session: Session) -> None:
        app = packed.app
        self.app = app
        self.session = session
        self.plugins = get_plugins(app)
        agency = session.execute(select(Agency).where(Agency.code == AGENCY)).scalar_one()
        self.agency = agency
        self.actor = command_line_actor(agency)
        self.today = clock.local_date(clock.now(app), app)
        self.readers: dict[str, WaveReader] = {}

    def reader(self, slug: str) -> WaveReader:
        if slug not in self.readers:
            self.readers[slug] = WaveReader(
                self.session,
                self.plugins,
                slug,
                lambda s: scoped(s, "results.read", self.actor),
            )
        return self.readers[slug]

    def wave(self, reader: WaveReader, key: str) -> Any:
        found = parse_period(key)
        if found is not None:
            return found
        return next(w for w in reader.campaign_waves() if w.key == key)

    def survey(self, slug: str, rest: str, figure: dict[str, Any]) -> dict[str, Any]:
        questionnaire = self.plugins.questionnaires[slug]
        reader = self.reader(slug)
        wave = self.wave(reader, figure["wave"])
        frame = reader.frame(wave)
        populations = reader.populations(wave)
        # Weighted to the agency's margins where the results pages weight the wave.
        weighting = WaveWeighting(
            self.session, questionnaire, {self.agency.code: self.agency.id or 0}
        )
        design = design_for(frame, scale_items(questionnaire), populations, weighting.weigher(wave))
        assert design is not None
        if rest == "rr1":
            contacts = reader.contacts(wave)
            assert contacts is not None
            return {"value": contacts[1] / contacts[0], "n": contacts[0]}
        if rest.startswith("design."):
            what = rest.split(".", 1)[1]
            n = len(frame)
            population = sum(populations.values()) if design.fpc else None
            return {
                "n": {"value": n},
                "strata": {"value": design.strata},
                "margin": {
                    "value": margin_of_error(
                        n,
                        population=population,
                        deff=design.weighting.kish_deff if design.weighting else 1.0,
                    )
                    * 100
                },
                "kish_deff": {"value": round(design.kish_deff, 2)},
            }[what]
        base, statistic = rest.rsplit(".", 1)
        if base in ("headline", "trend"):
            result = satisfaction(design.survey, questionnaire.analysis.overall or "")
        elif base.startswith("dimension."):
            keys = questionnaire.analysis.dimensions[base.split(".", 1)[1]]
            result = composite(design.survey, keys)
        else:
            result = satisfaction(design.survey, base)
        assert result is not None
        estimate = result.share if statistic == "share" else result.score
        low, high = interval(estimate)
        return {"value": estimate.estimate, "low": low, "high": high, "n": result.n}

    def scope(self) -> stats.Scope:
        return stats.Scope(
            agency_id=self.agency.id or 0,
            unit_id=None,
            wave=parse_period("115") or parse_period("2026"),  # type: ignore[arg-type]
            today=self.today,
            action="cases.read",
            zone=clock.zone(self.app),
        )

    def complaints(self, rest: str) -> dict[str, Any]:
        scope = self.scope()
        cases = stats.case_statistics(self.session, scope)
        if rest == "received":
            counted = self.session.execute(
                scoped(
                    select(func.count()).where(
                        Complaint.agency_id == self.agency.id,
                        Complaint.received_on >= scope.wave.start,  # type: ignore[operator]
                        Complaint.received_on <= scope.wave.end,  # type: ignore[operator]
                    ),
                    "cases.read",
                    self.actor,
                )
            ).scalar_one()
            assert counted == cases.by_category.total
            return {"value": counted, "n": counted}
        if rest == "on_time":
            assert cases.on_time is not None
            share = cases.on_time
            return {"value": share.estimate, "low": share.low, "high": share.high, "n": cases.due}
        if rest == "median_days":
            assert cases.median is not None
            return {"value": cases.median.days, "n": cases.median.n}
        month = rest.split(".", 1)[1]
        row = next(m for m in cases.chart if m.month == month)
        return {"value": row.share, "low": row.lower, "high": row.upper, "n": row.due}

    def followup(self, rest: str) -> dict[str, Any]:
        g.language = "zh-Hant-TW"
        spec = page_followup_questionnaire()  # the statistics page's own reading
        assert spec is not None
        result = stats.satisfaction(
            self.session,
            self.scope(),
            spec["groups"],
            spec["dimensions"],
            spec["overall"],
            spec["likert"],
        )
        if rest == "invited":
            return {"value": result.invited}
        if rest == "answered":
            return {"value": result.answered}
        if rest == "rr1":
            return {"value": result.rates["RR1"]}
        base, statistic = rest.rsplit(".", 1)
        if base == "overall":
            item = result.overall
        elif base.startswith("dimension."):
            item = result.dimensions[base.split(".", 1)[1]]
        else:
            item = next(i for items in result.groups.values() for i in items if i.key == base)
        assert item is not None and item.n is not None
        if statistic == "mean":
            assert item.mean_ci is not None
            return {
                "value": item.mean,
                "low": item.mean_ci[0],
                "high": item.mean_ci[1],
                "n": item.n,
            }
        assert item.top2_ci is not None
        return {"value": item.top2, "low": item.top2_ci[0], "high": item.top2_ci[1], "n": item.n}

    def expected(self, figure: dict[str, Any]) -> dict[str, Any]:
        prefix, rest = figure["key"].split(".", 1)
        if prefix == "complaints":
            return self.complaints(rest)
        if prefix == "followup":
            return self.followup(rest)
        if prefix == "staff":
            return self.survey(STAFF_SLUG, rest, figure)
        if prefix in self.plugins.questionnaires:
            return self.survey(prefix, rest, figure)
        raise AssertionError(f"a figure nobody checks: {figure['key']}")


def close(a: Any, b: Any) -> bool:
    """The pack's ``a`` equals the direct ``b`` (an undefined or unreached ``b``, NaN or
    infinity, is written empty)."""
    if isinstance(b, float) and not math.isfinite(b):
        return a is None
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


def test_every_figure_equals_what_the_pages_and_analysis_compute(packed: Packed) -> None:
    figures = figures_of(packed)
    keys = {f["key"].split(".")[0] for f in figures}
    assert {"citizen-satisfaction", "complaints", "staff"} <= keys
    app = packed.app
    with app.test_request_context("/"), Session(get_engine(app)) as session:
        direct = Direct(packed, session)
        g.collector_actor = direct.actor
        g.db_session = session
        wrong = []
        for figure in figures:
            expected = direct.expected(figure)
            for field, value in expected.items():
                if not close(figure[field], value):
                    wrong.append(
                        f"{figure['key']}@{figure['wave']} {field}: {figure[field]} != {value}"
                    )
        g.pop("db_session")
    assert wrong == []


def test_the_pack_holds_every_format_and_the_manifest_lists_them(packed: Packed) -> None:
    folder = packed.built.folder
    names = {p.relative_to(folder).as_posix() for p in every_file(packed)}
    for language in ("zh", "en"):
        assert {
            f"report-{language}.pdf",
            f"report-{language}.docx",
            f"tables-{language}.xlsx",
        } <= names
    assert {
        "opendata/figures.csv",
        "opendata/figures.json",
        "opendata/data-dictionary.csv",
    } <= names
    assert any(n.endswith(".png") for n in names) and any(n.endswith(".svg") for n in names)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert {f["path"] for f in manifest["files"]} == names - {"manifest.json"}
    assert manifest["parameters"]["agency"] == AGENCY
    assert manifest["parameters"]["period"] == "2026"  # asked for as ROC 115
    assert manifest["software"]["version"] and manifest["database_snapshot_at"]
    # Each chart drawn once: its PNG and SVG are the files the documents embed.
    assert packed.built.chart_draws == len([n for n in names if n.endswith(".png")])


def test_verify_passes_and_fails_after_one_byte_changes(packed: Packed, tmp_path: Path) -> None:
    runner = packed.app.test_cli_runner()
    good = runner.invoke(args=["evidence", "verify", str(packed.built.zip_path)])
    assert good.exit_code == 0, good.output
    assert "OK" in good.output
    changed = tmp_path / "changed.zip"
    target = "opendata/figures.csv"
    with zipfile.ZipFile(packed.built.zip_path) as source, zipfile.ZipFile(changed, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(target):
                data = data[:10] + bytes([data[10] ^ 0x01]) + data[11:]
            out.writestr(info, data)
    _manifest, problems = verify(changed)
    assert [p.path for p in problems] == [target]
    bad = runner.invoke(args=["evidence", "verify", str(changed)])
    assert bad.exit_code == 1 and target in bad.output


def test_the_command_makes_a_pack_and_prints_the_zip_last(packed: Packed, tmp_path: Path) -> None:
    """The command line, with a refused period first (nothing written)."""
    runner = packed.app.test_cli_runner()
    refused = runner.invoke(
        args=["evidence", "--agency", AGENCY, "--period", "2026Q1", "-o", str(tmp_path)]
    )
    assert refused.exit_code != 0 and "half-year" in refused.output
    assert list(tmp_path.iterdir()) == []


COUNT_HEADERS = {"Respondents", "Responses", "Cases", "Received", "Due"}
"""The columns of the report's tables that count people or cases (English edition)."""


def test_no_file_holds_a_small_cell_or_a_personal_detail(packed: Packed) -> None:
    app = packed.app
    with Session(get_engine(app)) as session:
        people = session.execute(
            select(Complaint.name, Complaint.email, Complaint.phone, Complaint.address).where(
                Complaint.name.is_not(None)  # type: ignore[union-attr]
            )
        ).all()
    details = {v for row in people for v in row if v and len(v) >= 3}
    assert details, "the demo's complaints have complainants"
    found = []
    for path in every_file(packed):
        text = read_text(path)
        found += [f"{path.name}: {d}" for d in details if d in text]
    assert found == []
    # Counts in the open data and in every table of every workbook: none under MIN_CELL.
    for figure in figures_of(packed):
        assert figure["n"] is None or figure["n"] >= MIN_CELL, figure
        if figure["measure"] == "count":
            assert figure["value"] >= MIN_CELL, figure
    # Every table, in both editions: the count columns hold no count under MIN_CELL; and
    # each workbook holds exactly those tables' cells.
    editions = packed.built.pack.editions
    english = [t for s in editions["en"].sections for t in s.tables]
    small = []
    for language, short in (("zh-Hant-TW", "zh"), ("en", "en")):
        tables = [t for s in editions[language].sections for t in s.tables]
        assert [t.name for t in tables] == [t.name for t in english]
        cells = {c for row in xlsx_rows(packed.built.folder / f"tables-{short}.xlsx") for c in row}
        for table, twin in zip(tables, english, strict=True):
            counted = [i for i, h in enumerate(twin.headers) if h in COUNT_HEADERS]
            for row in table.rows:
                assert set(row) <= cells, row
                for i in counted:
                    cell = row[i].replace(",", "")
                    if cell.isdigit() and 0 < int(cell) < MIN_CELL:
                        small.append(f"{language} {table.title}: {row}")
    assert small == []


def test_hakka_outside_the_bmp_survives_into_every_format(packed: Packed) -> None:
    folder = packed.built.folder
    files = [
        "report-zh.pdf",
        "report-zh.docx",
        "tables-zh.xlsx",
        "opendata/figures.csv",
        "opendata/figures.json",
    ]
    assert [f for f in files if HAKKA not in read_text(folder / f)] == []


def test_a_plugin_adds_a_section_and_a_file(packed: Packed) -> None:
    folder = packed.built.folder
    assert (folder / "extra" / "readme.txt").read_text() == f"{AGENCY} 2026\n"
    assert "延長櫃台服務時間" in read_text(folder / "report-zh.pdf")
    assert "Longer counter hours" in read_text(folder / "report-en.docx")
    sections = [s.name for s in packed.built.pack.primary.sections]
    assert sections.index("example.counter_hours") > sections.index(
        "citizens.trend.citizen-satisfaction"
    )
    assert sections[0].startswith("citizens.survey_design")
    assert sections[-1] == "staff.survey"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_each_edition_reads_in_its_language(packed: Packed, language: str) -> None:
    text = read_text(packed.built.folder / f"report-{language}.pdf")
    if language == "zh":
        assert "調查設計" in text and "陳情處理統計" in text and "內部員工滿意度調查" in text
    else:
        assert "Survey design" in text and "Complaint-handling statistics" in text
