"""The demo's improvement actions (檢討改善): the story's action as the office recorded it.

Two actions of the household registration office (:data:`collector.demo.story.IMPROVEMENT`),
both found in the wave before the action and done from the first day of the next one,
so their pages show a visible before/after: the main counter's waiting time (a weak
unit on one item) and the office's service efficiency (a low item, agency-wide),
which rose with the shorter queue. Each carries its history: recorded, started, done,
and a piece of evidence.
"""

from __future__ import annotations

import json
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlmodel import col

from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import ImprovementAction
from collector.core.models import ImprovementEvent
from collector.core.models import Unit
from collector.core.models import User
from collector.demo.story import IMPROVEMENT
from collector.demo.waves import Wave

OWNER = "admin@demo-household.example"
ANALYST = "analyst@demo-household.example"


def _at(day: date) -> datetime:
    return datetime.combine(day, time(2, 0), tzinfo=UTC)


def seed_improvement(app: Flask, waves: list[Wave]) -> int:
    """Record the story's two actions once; how many were made (0 when there already)."""
    index = IMPROVEMENT.wave_index(waves)
    effective = IMPROVEMENT.effective(waves)
    if effective is None or index < 1:
        return 0
    found = waves[index - 1]
    with session_scope(app) as session:
        agency = session.execute(
            select(Agency).where(col(Agency.code) == IMPROVEMENT.agency)
        ).scalar_one_or_none()
        if agency is None:
            return 0
        if session.execute(
            select(col(ImprovementAction.id)).where(col(ImprovementAction.agency_id) == agency.id)
        ).first():
            return 0
        users = {
            u.email: u
            for u in session.execute(
                select(User).where(col(User.email).in_([OWNER, ANALYST]))
            ).scalars()
        }
        unit = session.execute(
            select(Unit).where(col(Unit.agency_id) == agency.id, col(Unit.code) == IMPROVEMENT.unit)
        ).scalar_one()
        owner, analyst = users[OWNER], users[ANALYST]
        recorded = found.ends_on - timedelta(days=25)  # the wave's results read in its last weeks
        actions = [
            ImprovementAction(
                agency_id=agency.id,
                finding_kind="weak_unit",
                questionnaire_slug="citizen-satisfaction",
                item_key=IMPROVEMENT.item,
                unit_id=unit.id,
                wave_key=f"{found.year}H{found.half}",
                measure="top2",
                title=IMPROVEMENT.title_zh,
                measure_taken=(
                    "綜合櫃台於中午 12 時至 13 時 30 分及每日尖峰時段彈性增開 2 個櫃台；"
                    "網路預約取號上線，大廳及網站即時顯示叫號進度。"
                ),
                owner_id=owner.id,
                due_on=effective + timedelta(days=30),
                status="done",
                done_on=effective,
                created_by=analyst.id,
            ),
            ImprovementAction(
                agency_id=agency.id,
                finding_kind="low_item",
                questionnaire_slug="citizen-satisfaction",
                item_key="prof_efficiency",
                wave_key=f"{found.year}H{found.half}",
                measure="score",
                title="簡化綜合櫃台收件檢核，縮短每件辦理時間",
                measure_taken=(
                    "常見案件改用一頁式檢核表，證件影像由系統帶入，不再重複影印；"
                    "新進同仁由資深同仁帶班兩週。"
                ),
                owner_id=analyst.id,
                due_on=effective + timedelta(days=60),
                status="done",
                done_on=effective,
                created_by=analyst.id,
            ),
        ]
        for action in actions:
            action.created_at = action.updated_at = _at(recorded)
            action.version = 3
            session.add(action)
            session.flush()
            assert action.id is not None  # flushed
            steps = [
                ("created", None, "planned", "", None, recorded),
                (
                    "status",
                    "planned",
                    "in_progress",
                    "經服務品質會議決議辦理，由綜合櫃台主任督導。",
                    None,
                    recorded + timedelta(days=7),
                ),
                (
                    "evidence",
                    None,
                    None,
                    "服務品質會議紀錄（含決議事項及分工）。",
                    "https://docs.demo-household.example/minutes/service-quality",
                    recorded + timedelta(days=8),
                ),
                (
                    "status",
                    "in_progress",
                    "done",
                    "自新期別第一天起實施，已公告於網站及大廳。",
                    None,
                    effective,
                ),
            ]
            for kind, before, after, note, link, day in steps:
                session.add(
                    ImprovementEvent(
                        action_id=action.id,
                        agency_id=agency.id,
                        at=_at(day),
                        actor_user_id=analyst.id,
                        actor_label=ANALYST,
                        kind=kind,
                        from_status=before,
                        to_status=after,
                        note=note,
                        link=link,
                        detail=json.dumps({"done_on": effective.isoformat()})
                        if after == "done"
                        else "{}",
                    )
                )
        return len(actions)
