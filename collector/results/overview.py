"""The results' panels on the console home (``collector.console.panels``), for those who
read their agency's detailed results (``results.read``: analysts, award coordinators).

- this wave's responses against target, per service unit;
- the headline (top-two-box share with its 95% interval) and its trend by half-year;
- the items that fell significantly since the previous wave (Holm-corrected).

"This wave" is the agency's open campaign of the citizen questionnaire, else the
current half-year (``collector.results.waves``). Every figure comes from per-unit sums
computed by the database (``collector.results.sums``), estimated as a design stratified
by unit (``analysis.strata``); a figure over fewer than ``MIN_CELL`` answers is withheld.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from datetime import timedelta
from typing import Any

from flask import url_for
from sqlalchemy import select
from sqlmodel import col

from analysis.ciprop import SATISFACTION_BOUNDARY
from analysis.compare import adjust_pvalues
from analysis.strata import StratumCell
from analysis.strata import domain_means
from analysis.strata import domain_proportions
from collector.access.scoped import scoped
from collector.console.panels import ConsolePanel
from collector.core import clock
from collector.core.db import get_session
from collector.core.disclosure import MIN_CELL
from collector.core.hooktypes import Actor
from collector.core.i18n import current_language
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.core.models import Campaign
from collector.core.models import CampaignUnit
from collector.core.models import QuestionnaireVersion
from collector.core.models import Unit
from collector.core.plugins import get_plugins
from collector.results.charts import sparkline
from collector.results.sums import NO_UNIT
from collector.results.sums import Sums
from collector.results.sums import item
from collector.results.sums import stratum_sums
from collector.results.sums import top_two
from collector.results.waves import Wave
from collector.results.waves import campaign_wave
from collector.results.waves import period
from collector.results.waves import periods_between
from collector.results.waves import previous_period
from surveys import Questionnaire

READ = "results.read"
SLUG = "citizen-satisfaction"
TREND_WAVES = 6
ALPHA = 0.05


@dataclass(frozen=True)
class Current:
    """The wave the overview speaks of, the one before it, and the questionnaire."""

    questionnaire: Questionnaire
    wave: Wave
    previous: Wave | None


def _campaigns(actor: Actor) -> list[Campaign]:
    """The agency's campaigns of the citizen questionnaire, newest first."""
    statement = (
        select(Campaign)
        .join(
            QuestionnaireVersion, col(QuestionnaireVersion.id) == Campaign.questionnaire_version_id
        )
        .where(col(QuestionnaireVersion.slug) == SLUG, col(Campaign.agency_id) == actor.agency_id)
        .order_by(col(Campaign.starts_on).desc(), col(Campaign.id).desc())
    )
    return list(get_session().execute(scoped(statement, READ, actor)).scalars())


def current_wave(actor: Actor, today: date) -> Current | None:
    """The open campaign running today (and the campaign before it), else this
    half-year (and the one before)."""
    questionnaire = get_plugins().questionnaires.items.get(SLUG)
    if questionnaire is None or actor.agency_id is None:
        return None
    campaigns = _campaigns(actor)
    for i, c in enumerate(campaigns):
        if c.status == "open" and c.starts_on <= today <= c.ends_on:
            before = next((p for p in campaigns[i + 1 :] if p.starts_on < c.starts_on), None)
            return Current(
                questionnaire,
                campaign_wave(c.id or 0, c.title, c.starts_on, c.ends_on),
                campaign_wave(before.id or 0, before.title, before.starts_on, before.ends_on)
                if before is not None
                else None,
            )
    wave = period("half", today)
    return Current(questionnaire, wave, previous_period(wave))


def _sums(actor: Actor, wave: Wave, measures: dict[str, Any]) -> Sums:
    return stratum_sums(
        get_session(),
        actor,
        READ,
        SLUG,
        measures,
        wave.bounds(clock.zone()),
        agency_ids=[actor.agency_id] if actor.agency_id is not None else None,
        campaign_id=wave.campaign_id,
    )


def _units(actor: Actor) -> dict[int, Unit]:
    statement = select(Unit).where(col(Unit.agency_id) == actor.agency_id).order_by(col(Unit.code))
    return {
        u.id: u for u in get_session().execute(scoped(statement, READ, actor)).scalars() if u.id
    }


def _name(obj: Any) -> str:
    return str(obj.name_en if current_language() == "en" else obj.name_zh)


def share(cells: list[StratumCell]) -> dict[str, Any] | None:
    """Top-two-box share with its interval over every cell; None under MIN_CELL answers."""
    answered = sum(c.answered for c in cells)
    if answered < MIN_CELL:
        return None
    domains: dict[Hashable, list[Hashable]] = {"all": list({c.domain for c in cells})}
    estimate = domain_proportions(cells, domains, boundary=SATISFACTION_BOUNDARY)["all"]
    low, high = estimate.ci()
    return {"estimate": estimate.estimate, "low": low, "high": high, "n": answered}


class SurveyProgressPanel(ConsolePanel):
    name = "survey_progress"
    title = lazy_gettext("Responses this wave")
    area = "collect"
    action = READ
    template = "results/panels/progress.html"
    order = 10

    def build(self, actor: Actor) -> dict[str, Any] | None:
        current = current_wave(actor, clock.today())
        if current is None:
            return None
        wave = current.wave
        counts = _sums(actor, wave, {}).units()
        units = _units(actor)
        targets: dict[int, int | None] = {}
        if wave.campaign_id is not None:
            statement = select(CampaignUnit).where(
                col(CampaignUnit.campaign_id) == wave.campaign_id
            )
            for link in get_session().execute(scoped(statement, READ, actor)).scalars():
                targets[link.unit_id] = link.target_n
        shown = [u for u in units if u in targets or u in counts] if targets else list(counts)
        rows = [
            {
                "label": f"{_name(units[u])} ({units[u].code})" if u in units else None,
                "n": counts.get(u, 0),
                "target": targets.get(u),
            }
            for u in shown
            if u != NO_UNIT
        ]
        if NO_UNIT in counts:
            rows.append({"label": None, "n": counts[NO_UNIT], "target": None})
        return {
            "wave": wave.label(current_language()),
            "rows": rows,
            "total": sum(counts.values()),
            "link": url_for("results.results", questionnaire=SLUG),
        }


class HeadlinePanel(ConsolePanel):
    name = "survey_headline"
    title = lazy_gettext("Overall satisfaction")
    area = "analyse"
    action = READ
    template = "results/panels/headline.html"
    order = 10

    def build(self, actor: Actor) -> dict[str, Any] | None:
        today = clock.today()
        current = current_wave(actor, today)
        if current is None or not current.questionnaire.analysis.overall:
            return None
        overall = current.questionnaire.analysis.overall
        language = current_language()
        headline = share(_sums(actor, current.wave, {"top": top_two(overall)}).cells["top"])
        first = today - timedelta(days=183 * (TREND_WAVES - 1))
        trend = []
        values: list[float | None] = []
        for wave in periods_between("half", first, today):
            figure = share(_sums(actor, wave, {"top": top_two(overall)}).cells["top"])
            trend.append({"label": wave.label(language), "figure": figure})
            values.append(figure["estimate"] * 100 if figure else None)
        title = translator(language).gettext(
            "Share satisfied by half-year, %(first)s to %(last)s (%%)",
            first=trend[0]["label"],
            last=trend[-1]["label"],
        )
        line = sparkline(values, title=title, language=language)
        return {
            "wave": current.wave.label(language),
            "headline": headline,
            "trend": trend,
            "sparkline": line,
            "min_cell": MIN_CELL,
            "link": url_for("results.results", questionnaire=SLUG),
        }


def falling_items(
    questionnaire: Questionnaire, before: Sums, after: Sums, language: str
) -> list[dict[str, Any]]:
    """Items whose mean fell between the waves, significant after Holm's correction over
    every item compared (waves as independent strata of one design)."""
    compared = []
    for key in before.cells:
        cells = [
            StratumCell(("before", c.stratum), "before", c.rows, c.answered, c.total, c.squares)
            for c in before.cells[key]
        ] + [
            StratumCell(("after", c.stratum), "after", c.rows, c.answered, c.total, c.squares)
            for c in after.cells[key]
        ]
        n_before = sum(c.answered for c in before.cells[key])
        n_after = sum(c.answered for c in after.cells[key])
        if min(n_before, n_after) < MIN_CELL:
            continue
        means = domain_means(cells, {"before": ["before"], "after": ["after"]})
        change = means.contrast({"after": 1.0, "before": -1.0})
        df = min(means["before"].df, means["after"].df)
        change = replace(change, ci_df=float(df))  # its interval and test: t on the design df
        _t, p = change.t_test()
        compared.append((key, means["before"].estimate, means["after"].estimate, change, p))
    adjusted: Any = adjust_pvalues([c[4] for c in compared], "holm") if compared else []
    out = []
    for (key, mean_before, mean_after, change, _p), p_holm in zip(compared, adjusted, strict=True):
        if change.estimate < 0 and p_holm < ALPHA:
            low, high = change.ci()
            out.append(
                {
                    "label": questionnaire.text(questionnaire.question(key).label, language),
                    "before": mean_before,
                    "after": mean_after,
                    "change": change.estimate,
                    "low": low,
                    "high": high,
                    "p": float(p_holm),
                }
            )
    return sorted(out, key=lambda r: r["change"])


class FallingItemsPanel(ConsolePanel):
    name = "falling_items"
    title = lazy_gettext("Items that fell since the previous wave")
    area = "analyse"
    action = READ
    template = "results/panels/falling.html"
    order = 20

    def build(self, actor: Actor) -> dict[str, Any] | None:
        current = current_wave(actor, clock.today())
        if current is None or current.previous is None:
            return None
        questionnaire = current.questionnaire
        keys = [q.key for q in questionnaire.questions() if q.type == "likert5"]
        measures = {k: item(k) for k in keys}
        language = current_language()
        before = _sums(actor, current.previous, measures)
        after = _sums(actor, current.wave, measures)
        return {
            "wave": current.wave.label(language),
            "previous": current.previous.label(language),
            "items": falling_items(questionnaire, before, after, language),
            "enough": sum(after.rows.values()) >= MIN_CELL
            and sum(before.rows.values()) >= MIN_CELL,
        }
