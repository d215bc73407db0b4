"""collector-satisfaction-extras: a worked external plugin for collector.

It registers, through collector's hooks (docs/plugin_hooks.md):

- ``online-service-satisfaction``, a questionnaire about an online service;
- ``tsv-labelled``, an exporter: tab-separated values with the answers' labels (not
  their codes) in the language asked for, for people who read exports by eye;
- ``net_promoter_score``, an analysis of any questionnaire with a ``recommend``
  question on the 0-10 scale, suppressed under ``MIN_CELL`` answers;
- a ``response_saved`` handler that tells the agency's own system (the
  ``SATISFACTION_ALERT_URL`` setting) about every overall score of 1 or 2. It runs on
  collector's job queue after the response is stored; when that system is down it
  raises, and collector retries it, lists it for administrators when every attempt
  failed, and never slows or loses the citizen's submission.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.request
from pathlib import Path
from typing import Any

from flask import current_app

from collector import hookimpl
from collector.core.disclosure import MIN_CELL
from collector.core.hooktypes import SavedResponse
from collector.results.analyses import Analysis
from collector.results.exporters import Exporter
from collector.results.reading import ResponseTable
from surveys import Questionnaire

HERE = Path(__file__).parent
SLUG = "online-service-satisfaction"
ALERT_SETTING = "SATISFACTION_ALERT_URL"
ALERT_TIMEOUT_SECONDS = 5
LOW_SCORES = (1, 2)


class LabelledTsv(Exporter):
    """One row per response; choices as their labels in ``language``, not their codes."""

    name = "tsv-labelled"
    description = "Tab-separated, with answer labels in the chosen language"
    media_type = "text/tab-separated-values; charset=utf-8"
    extension = "tsv"

    def export(self, table: ResponseTable, language: str = "zh-Hant-TW") -> bytes:
        questionnaire = table.questionnaire
        questions = questionnaire.questions()
        labels = {
            q.key: {c.value: questionnaire.text(c.label, language) for c in choices}
            for q in questions
            if (choices := questionnaire.choices_for(q))
        }
        out = io.StringIO()
        writer = csv.writer(out, delimiter="\t", lineterminator="\n")
        writer.writerow(["receipt", *(questionnaire.text(q.label, language) for q in questions)])
        for row in table.frame.to_dict("records"):
            cells = []
            for q in questions:
                value = self.cell(row.get(q.key))
                cells.append(labels.get(q.key, {}).get(value, value))
            writer.writerow([row["receipt"], *("" if c is None else c for c in cells)])
        return out.getvalue().encode("utf-8")


class NetPromoterScore(Analysis):
    """Promoters (9-10) minus detractors (0-6), in percentage points."""

    name = "net_promoter_score"
    description = "Net promoter score of the 0-10 'recommend' question"

    def applies_to(self, questionnaire: Questionnaire) -> bool:
        keys = {q.key: q.type for q in questionnaire.questions()}
        return keys.get("recommend") == "rating_0_10"

    def run(self, table: ResponseTable) -> dict[str, Any]:
        scores = table.frame["recommend"].dropna()
        count = len(scores)
        if count < MIN_CELL:
            return {"answers": count, "nps": None, "promoters": None, "detractors": None}
        promoters = int((scores >= 9).sum())
        detractors = int((scores <= 6).sum())
        return {
            "answers": count,
            "promoters": promoters,
            "detractors": detractors,
            "nps": round(100 * (promoters - detractors) / count, 1),
        }


@hookimpl
def register_questionnaires() -> list[Path]:
    return [HERE / "online_service.yaml"]


@hookimpl
def register_exporters() -> list[type[Exporter]]:
    return [LabelledTsv]


@hookimpl
def register_analyses() -> list[type[Analysis]]:
    return [NetPromoterScore]


@hookimpl
def response_saved(response: SavedResponse) -> None:
    """Tell the agency's system about a low overall score; raise when it cannot be told.

    Runs on the job queue (at least once per response): the receipt lets the receiving
    system drop a repeat.
    """
    url = current_app.config.get(ALERT_SETTING)
    if not url or response.questionnaire.slug != SLUG:
        return
    if response.answers.get("overall") not in LOW_SCORES:
        return
    body = {
        "receipt": response.receipt,
        "agency": response.agency_code,
        "unit": response.unit_code,
        "overall": response.answers["overall"],
        "comment": response.answers.get("comment"),
    }
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    # An unreachable system raises here (URLError): collector retries with back-off.
    with urllib.request.urlopen(request, timeout=ALERT_TIMEOUT_SECONDS) as answer:
        answer.read()
