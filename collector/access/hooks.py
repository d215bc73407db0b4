"""The access feature as a plugin: log-in, accounts and the audit log pages and
commands, and the core's answers to ``actor_from_request`` and ``permission_allowed``.

Those two answers are marked ``trylast``, so a plugin's single sign-on or permission
rule is asked first and these decide only when no plugin had an opinion.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Blueprint

from collector.access import accounts
from collector.access.permissions import default_allowed
from collector.access.sessions import session_actor
from collector.access.views import account
from collector.access.views import audit
from collector.access.views import login
from collector.access.views import users
from collector.core.hookspecs import hookimpl
from collector.core.hooktypes import Actor


@hookimpl(trylast=True)
def actor_from_request(request: Any) -> Actor | None:
    return session_actor(request)


@hookimpl(trylast=True)
def permission_allowed(actor: Actor, action: str, agency_id: int | None) -> bool:
    return default_allowed(actor, action, agency_id)


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [login.bp, account.bp, users.bp, audit.bp]


@hookimpl
def register_commands() -> list[click.Command]:
    return list(accounts.COMMANDS)
