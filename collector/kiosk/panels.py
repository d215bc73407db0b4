"""The console's panel of kiosks that stopped reporting: a paired tablet silent for
``KIOSK_QUIET_MINUTES`` (switched off, unplugged, off the network, its answers waiting)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from flask import current_app
from flask import url_for
from sqlalchemy import or_
from sqlalchemy import select
from sqlmodel import col

from collector.access.scoped import scoped
from collector.console.panels import ListPanel
from collector.console.panels import PanelRow
from collector.core import clock
from collector.core.db import get_session
from collector.core.hooktypes import Actor
from collector.core.i18n import current_language
from collector.core.i18n import gettext
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.kiosk.models import Kiosk

MANAGE = "kiosks.manage"


def quiet_kiosks(actor: Actor, minutes: int) -> list[Kiosk]:
    """Paired, unrevoked kiosks of the actor's agencies not heard from for ``minutes``."""
    since = clock.now() - timedelta(minutes=minutes)
    query = (
        select(Kiosk)
        .where(
            col(Kiosk.credential_hash).is_not(None),
            col(Kiosk.revoked_at).is_(None),
            or_(col(Kiosk.last_seen_at).is_(None), col(Kiosk.last_seen_at) < since),
        )
        .order_by(col(Kiosk.last_seen_at))
    )
    return list(get_session().execute(scoped(query, MANAGE, actor)).scalars())


class QuietKiosksPanel(ListPanel):
    name = "quiet_kiosks"
    title = lazy_gettext("Kiosks that stopped reporting")
    area = "administer"
    action = MANAGE
    order = 30
    empty = lazy_gettext("Every paired kiosk has reported lately.")

    def rows(self, actor: Actor) -> Sequence[PanelRow]:
        minutes = int(current_app.config["KIOSK_QUIET_MINUTES"])
        return [
            PanelRow(
                kiosk.name,
                url_for("kiosks.show", kiosk_id=kiosk.id),
                gettext(
                    "Last contact %(time)s; answers waiting: %(count)s",
                    time=translator(current_language()).format_local_datetime(
                        kiosk.last_seen_at, clock.zone()
                    )
                    if kiosk.last_seen_at
                    else "–",
                    count=kiosk.queue_length if kiosk.queue_length is not None else "–",
                ),
                "quiet",
            )
            for kiosk in quiet_kiosks(actor, minutes)
        ]

    def more(self, actor: Actor) -> str | None:
        return url_for("kiosks.index")
