"""The campaigns' panel on the console home (``collector.console.panels``): open
campaigns that stopped reporting, for whoever sets campaigns up.

A campaign is quiet when it is open, has started, and has had no response for
``CONSOLE_QUIET_DAYS`` days (7 unless configured): a QR poster taken down, a kiosk
unplugged, a link that stopped being handed out. Its last response (or "none yet")
says since when.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from datetime import timedelta

from flask import current_app
from flask import url_for
from sqlalchemy import func
from sqlalchemy import select
from sqlmodel import col

from collector.access.scoped import scoped
from collector.console.panels import ListPanel
from collector.console.panels import PanelRow
from collector.core import clock
from collector.core.db import get_session
from collector.core.hooktypes import Actor
from collector.core.i18n import gettext
from collector.core.i18n import lazy_gettext
from collector.core.models import Campaign
from collector.core.models import Response

MANAGE = "campaigns.manage"
QUIET_DAYS = 7


def quiet_campaigns(actor: Actor, today: date, days: int) -> list[tuple[Campaign, date | None]]:
    """Open, started campaigns with no response in the last ``days`` days, with the day
    of their last response (None: none yet), the quietest first."""
    db = get_session()
    statement = select(Campaign).where(
        col(Campaign.status) == "open", col(Campaign.starts_on) <= today
    )
    campaigns = {c.id: c for c in db.execute(scoped(statement, MANAGE, actor)).scalars()}
    if not campaigns:
        return []
    last = dict(
        db.execute(
            scoped(
                select(col(Response.campaign_id), func.max(Response.submitted_at))
                .where(col(Response.campaign_id).in_(list(campaigns)))
                .group_by(col(Response.campaign_id)),
                MANAGE,
                actor,
            )
        ).all()
    )
    out = []
    for campaign_id, campaign in campaigns.items():
        stamp = last.get(campaign_id)
        day = clock.local_date(stamp) if stamp is not None else None
        since = day or campaign.starts_on
        if (today - since) >= timedelta(days=days):
            out.append((campaign, day))
    return sorted(out, key=lambda pair: pair[1] or pair[0].starts_on)


class QuietCampaignsPanel(ListPanel):
    name = "quiet_campaigns"
    title = lazy_gettext("Campaigns that stopped reporting")
    area = "collect"
    action = MANAGE
    order = 20
    empty = lazy_gettext("Every open campaign has had responses lately.")

    def rows(self, actor: Actor) -> Sequence[PanelRow]:
        days = int(current_app.config.get("CONSOLE_QUIET_DAYS", QUIET_DAYS))
        return [
            PanelRow(
                campaign.title,
                url_for("campaigns.detail", campaign_id=campaign.id),
                gettext("Last response %(day)s", day=day.isoformat())
                if day is not None
                else gettext(
                    "No response yet since it opened on %(day)s", day=campaign.starts_on.isoformat()
                ),
                "quiet",
            )
            for campaign, day in quiet_campaigns(actor, clock.today(), days)
        ]

    def more(self, actor: Actor) -> str | None:
        return url_for("campaigns.index")
