"""Agencies (or ministries) side by side on one questionnaire and wave.

A ministry administrator compares the agencies of its tree; a system administrator
compares ministries (each with every agency below it). Per group: responses against
the campaigns' targets, the headline top-two-box share and the 0-100 score with 95%
intervals, the four dimensions, the headline by half-year, the complaint on-time
share and the complaint-handling satisfaction.

Design: the whole (the ministry, or every ministry) is one sample stratified by
service unit, each response its own PSU, weight 1, no finite-population correction
(no population margins hold across agencies); a group is a domain of it, and its
difference from the whole is tested with the joint design (``analysis.strata``,
from per-unit sums the database computes) with Holm's correction over the groups.
A group of fewer than ``MIN_CELL`` respondents shows "<5" and nothing else, and a
second group is withheld when the whole would reveal it (``hidden_cells``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from analysis.ciprop import SATISFACTION_BOUNDARY
from analysis.compare import adjust_pvalues
from analysis.estimate import Estimate
from analysis.strata import domain_means
from analysis.strata import domain_proportions
from collector.access.permissions import agencies_for
from collector.access.scoped import scoped
from collector.complaints import dashboard as complaint_figures
from collector.complaints.followups import QUESTIONNAIRE as FOLLOWUP
from collector.core import clock
from collector.core.disclosure import MIN_CELL
from collector.core.disclosure import hidden_cells
from collector.core.hooktypes import Actor
from collector.core.models import Agency
from collector.core.models import Campaign
from collector.core.models import QuestionnaireVersion
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of
from collector.results.sums import Sums
from collector.results.sums import dimension
from collector.results.sums import item
from collector.results.sums import stratum_sums
from collector.results.sums import top_two
from collector.results.waves import Wave
from collector.results.waves import periods_between
from surveys import Questionnaire

ACTION = "aggregates.read"
WHOLE = "whole"
TREND_WAVES = 6
ALPHA = 0.05


@dataclass
class Group:
    """One row of the comparison: an agency, or a ministry with the agencies below it."""

    id: int
    agency: Agency
    members: list[int]


@dataclass
class Figure:
    estimate: float
    low: float
    high: float


@dataclass
class Row:
    group: Group
    n: int
    suppressed: bool = False
    target: int | None = None
    share: Figure | None = None
    score: Figure | None = None
    dimensions: dict[str, Figure | None] = field(default_factory=dict)
    difference: Figure | None = None  # share minus the whole's share
    p_holm: float | None = None
    verdict: str = ""  # higher | lower | same | ""
    trend: list[float | None] = field(default_factory=list)
    on_time: float | None = None
    handling: Figure | None = None
    handling_source: str = ""  # phone | online
    # On the whole's row: False when fewer than two groups have responses in the wave,
    # so a group against the whole is the group against itself (no test is possible).
    comparable: bool = True


def groups_for(session: Session, actor: Actor) -> tuple[str, list[Group]]:
    """What the actor compares: ministries for a system administrator, else the agencies
    (level "agency") of the actor's tree it may read aggregates of."""
    allowed = agencies_for(actor, ACTION)
    agencies = {
        a.id: a
        for a in session.execute(
            scoped(select(Agency).where(col(Agency.id).in_(sorted(allowed))), ACTION, actor)
        ).scalars()
        if a.id is not None
    }
    if actor.role == "system_admin":
        children: dict[int | None, list[int]] = {}
        for a in agencies.values():
            children.setdefault(a.parent_id, []).append(a.id or 0)

        def below(root: int) -> list[int]:
            out, todo = [], [root]
            while todo:
                node = todo.pop()
                out.append(node)
                todo += children.get(node, [])
            return sorted(out)

        tops = [a for a in agencies.values() if a.parent_id is None or a.parent_id not in agencies]
        groups = [Group(a.id or 0, a, below(a.id or 0)) for a in tops]
        return "ministries", sorted(groups, key=lambda g: g.agency.code)
    groups = [Group(a.id or 0, a, [a.id or 0]) for a in agencies.values() if a.level == "agency"]
    return "agencies", sorted(groups, key=lambda g: g.agency.code)


def _figure(estimate: Estimate) -> Figure:
    low, high = estimate.ci()
    return Figure(estimate.estimate, low, high)


def _score(estimate: Estimate) -> Figure:
    """A 1-5 mean as a 0-100 score, its interval (t on the design df) transformed with it."""
    low, high = estimate.with_design_df().ci()
    return Figure(*((v - 1) * 25 for v in (estimate.estimate, low, high)))


def _shown(sums: Sums, name: str, groups: Sequence[int]) -> list[int]:
    answered = {g: sum(c.answered for c in sums.cells[name] if c.domain == g) for g in groups}
    return [g for g in groups if answered[g] >= MIN_CELL]


def compare(
    session: Session,
    actor: Actor,
    questionnaire: Questionnaire,
    wave: Wave,
    groups: list[Group],
) -> tuple[list[Row], Row | None]:
    """Each group's row and the whole's (None when nothing can be shown)."""
    spec = questionnaire.analysis
    overall = spec.overall
    measures: dict[str, Any] = {}
    if overall:
        measures["top"] = top_two(overall)
        measures["score"] = item(overall)
    for name, keys in spec.dimensions.items():
        measures[f"dim:{name}"] = dimension(keys)
    domain_of = {member: g.id for g in groups for member in g.members}
    members = sorted(domain_of)
    zone = clock.zone()
    sums = stratum_sums(
        session, actor, ACTION, questionnaire.slug, measures, wave.bounds(zone), agency_ids=members
    ).regrouped(domain_of)
    counts = {g.id: 0 for g in groups}
    for (agency, _unit), n in sums.rows.items():
        counts[agency] += n
    hidden = hidden_cells(counts)
    rows = {g.id: Row(g, counts[g.id], suppressed=g.id in hidden) for g in groups}
    targets = _targets(session, actor, questionnaire.slug, wave, domain_of)
    for g in groups:
        rows[g.id].target = targets.get(g.id)
    shown = [g.id for g in groups if g.id not in hidden]
    whole = Row(Group(0, groups[0].agency, members), sum(counts.values())) if groups else None
    if whole is None or whole.n < MIN_CELL:
        return list(rows.values()), None
    everything = [g.id for g in groups]
    whole.comparable = sum(1 for n in counts.values() if n > 0) >= 2
    if overall:
        top_groups = _shown(sums, "top", shown)
        if sum(c.answered for c in sums.cells["top"]) >= MIN_CELL:
            targets_: dict[Any, list[int]] = {gid: [gid] for gid in top_groups}
            targets_[WHOLE] = everything
            shares = domain_proportions(sums.cells["top"], targets_, boundary=SATISFACTION_BOUNDARY)
            whole.share = _figure(shares[WHOLE])
            tests = []
            for gid in top_groups:
                rows[gid].share = _figure(shares[gid])
                if not whole.comparable:
                    continue
                diff = shares.contrast({gid: 1.0, WHOLE: -1.0})
                _t, p = diff.t_test(df=max(shares[WHOLE].df - 1, 1))
                rows[gid].difference = _figure(
                    replace(diff, ci_df=float(max(shares[WHOLE].df - 1, 1)))
                )
                tests.append((gid, diff.estimate, p))
            adjusted: Any = adjust_pvalues([t[2] for t in tests], "holm") if tests else []
            for (gid, change, _p), p_holm in zip(tests, adjusted, strict=True):
                if math.isnan(p_holm):  # no variance left to test with
                    rows[gid].difference = None
                    continue
                rows[gid].p_holm = float(p_holm)
                rows[gid].verdict = (
                    ("higher" if change > 0 else "lower") if p_holm < ALPHA else "same"
                )
            score_groups = _shown(sums, "score", shown)
            means = domain_means(
                sums.cells["score"], {gid: [gid] for gid in score_groups} | {WHOLE: everything}
            )
            whole.score = _score(means[WHOLE])
            for gid in score_groups:
                rows[gid].score = _score(means[gid])
    for name in spec.dimensions:
        key = f"dim:{name}"
        if sum(c.answered for c in sums.cells[key]) < MIN_CELL:
            continue
        dim_groups = _shown(sums, key, shown)
        means = domain_means(
            sums.cells[key], {gid: [gid] for gid in dim_groups} | {WHOLE: everything}
        )
        whole.dimensions[name] = _score(means[WHOLE])
        for gid in shown:
            rows[gid].dimensions[name] = _score(means[gid]) if gid in dim_groups else None
    if overall:
        _trend(session, actor, questionnaire, wave, groups, domain_of, rows, whole, hidden)
    _complaints(session, actor, wave, domain_of, rows, whole, hidden)
    return list(rows.values()), whole


def _targets(
    session: Session, actor: Actor, slug: str, wave: Wave, domain_of: dict[int, int]
) -> dict[int, int]:
    """The target sample sizes of the campaigns that started in the wave, per group."""
    statement = (
        select(col(Campaign.agency_id), func.sum(Campaign.target_n))
        .join(
            QuestionnaireVersion, col(QuestionnaireVersion.id) == Campaign.questionnaire_version_id
        )
        .where(
            col(QuestionnaireVersion.slug) == slug,
            col(Campaign.starts_on) >= wave.start,
            col(Campaign.starts_on) <= wave.end,
            col(Campaign.agency_id).in_(sorted(domain_of)),
        )
        .group_by(col(Campaign.agency_id))
    )
    out: dict[int, int] = {}
    for agency, total in session.execute(scoped(statement, ACTION, actor)).all():
        group = domain_of[agency]
        out[group] = out.get(group, 0) + int(total or 0)
    return out


def _trend(
    session: Session,
    actor: Actor,
    questionnaire: Questionnaire,
    wave: Wave,
    groups: list[Group],
    domain_of: dict[int, int],
    rows: dict[int, Row],
    whole: Row,
    hidden: set[int],
) -> None:
    """The headline share by half-year, up to the wave's end, per group (None under MIN_CELL)."""
    first = wave.end - timedelta(days=183 * (TREND_WAVES - 1))
    overall = questionnaire.analysis.overall or ""
    for period in periods_between("half", first, wave.end):
        sums = stratum_sums(
            session,
            actor,
            ACTION,
            questionnaire.slug,
            {"top": top_two(overall)},
            period.bounds(clock.zone()),
            agency_ids=sorted(domain_of),
        ).regrouped(domain_of)
        cells = sums.cells["top"]
        for row in [*rows.values(), whole]:
            ids = set(domain_of.values()) if row is whole else {row.group.id}
            mine = [c for c in cells if c.domain in ids]
            if row.group.id in hidden or sum(c.answered for c in mine) < MIN_CELL:
                row.trend.append(None)
                continue
            row.trend.append(domain_proportions(mine, {"x": sorted(ids)})["x"].estimate)


def _followup_items(session: Session) -> complaint_figures.Items | None:
    version = current_version(current_app, session, FOLLOWUP)
    if version is None:
        return None
    analysis = definition_of(version).analysis
    if not analysis.overall:
        return None
    return complaint_figures.Items(overall=analysis.overall, dimensions=dict(analysis.dimensions))


def _complaints(
    session: Session,
    actor: Actor,
    wave: Wave,
    domain_of: dict[int, int],
    rows: dict[int, Row],
    whole: Row,
    hidden: set[int],
) -> None:
    """On-time share of the cases answered in the wave, and the handling satisfaction of
    those closed in it (the phone sample's design when there is one, else the online
    link's answers), per group; under MIN_CELL nothing."""
    cases = complaint_figures.load_case_rows(
        session, ACTION, wave.start, wave.end, sorted(domain_of), actor
    )
    answered: dict[int, list[bool]] = {}
    for case in cases:
        if case.answered_on is not None and wave.contains(case.answered_on):
            answered.setdefault(domain_of[case.agency_id], []).append(
                case.answered_on <= case.due_on
            )
    everything = [x for flags in answered.values() for x in flags]
    if len(everything) >= MIN_CELL:
        whole.on_time = sum(everything) / len(everything)
    for group, flags in answered.items():
        if group not in hidden and len(flags) >= MIN_CELL:
            rows[group].on_time = sum(flags) / len(flags)
    items = _followup_items(session)
    if items is None:
        return
    feedback = [
        replace(r, agency_id=domain_of[r.agency_id], month=wave.key)
        for r in complaint_figures.load_feedback_rows(session, ACTION, cases, items, actor)
        if wave.start.strftime("%Y-%m") <= r.month <= wave.end.strftime("%Y-%m")
    ]
    cells = complaint_figures.satisfaction(feedback, items, group="agency")
    for group, row in rows.items():
        if group in hidden:
            continue
        for source in ("phone", "online"):
            cell = cells.get((group, wave.key, source))
            if cell is not None and cell.top2 is not None and cell.top2.estimate is not None:
                low, high = cell.top2.ci or (cell.top2.estimate, cell.top2.estimate)
                row.handling = Figure(cell.top2.estimate, low, high)
                row.handling_source = source
                break
