"""The core's own answers to ``actor_from_request`` and ``permission_allowed``.

Registered as an essential plugin and marked ``trylast``, so a plugin's single
sign-on or permission rule is asked first and these decide only when no plugin
had an opinion.
"""

from __future__ import annotations

from typing import Any

from collector import hookimpl
from collector.permissions import Actor, default_allowed


@hookimpl(trylast=True)
def actor_from_request(request: Any) -> Actor | None:
    from collector.auth import session_actor

    return session_actor(request)


@hookimpl(trylast=True)
def permission_allowed(actor: Actor, action: str, agency_id: int | None) -> bool:
    return default_allowed(actor, action, agency_id)
