"""One place decides: the matrix, the visible tree, the hook and ``require``."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.exceptions import Forbidden
from werkzeug.exceptions import NotFound
from werkzeug.exceptions import Unauthorized

from collector import hookimpl
from collector.access.identity import actor_for_user
from collector.access.permissions import ACTIONS
from collector.access.permissions import MATRIX
from collector.access.permissions import agencies_for
from collector.access.permissions import allowed
from collector.access.permissions import chosen_agency
from collector.access.permissions import default_allowed
from collector.access.permissions import may_somewhere
from collector.access.permissions import require
from collector.core.db import get_session
from collector.core.db import session_scope
from collector.core.hooktypes import Actor
from collector.core.models import ROLES
from collector.core.models import AuditEvent
from collector.core.models import User
from collector.core.plugins import get_plugins
from tests.helpers.organisation import agency_id


def actor(app: Flask, email: str) -> Actor:
    with app.test_request_context():
        db = get_session()
        user = db.execute(select(User).where(User.email == email)).scalar_one()
        return actor_for_user(user, db=db)


def test_matrix_covers_every_role_with_known_actions() -> None:
    assert set(MATRIX) == set(ROLES)
    for role, actions in MATRIX.items():
        assert set(actions) <= set(ACTIONS), role
        assert set(actions.values()) <= {"all", "tree", "own"}, role
        assert "console.use" in actions, role


def test_system_admin_reads_aggregates_only() -> None:
    # Aggregates (small cells suppressed) to compare ministries; never a response.
    assert MATRIX["system_admin"].get("aggregates.read") == "all"
    for action in ("responses.read", "responses.export", "results.read"):
        assert action not in MATRIX["system_admin"]


def test_ministry_admin_reads_aggregates_only() -> None:
    assert MATRIX["ministry_admin"].get("aggregates.read") == "tree"
    for action in ("responses.read", "responses.export", "results.read"):
        assert action not in MATRIX["ministry_admin"]


def test_visible_agencies(staff_app: Flask, people: dict[str, int]) -> None:
    moi, alpha, beta = (agency_id(staff_app, c) for c in ("moi", "alpha", "beta"))
    assert actor(staff_app, "sysadmin@example.test").visible_agency_ids == {moi, alpha, beta}
    assert actor(staff_app, "ministry@moi.example.test").visible_agency_ids == {moi, alpha, beta}
    assert actor(staff_app, "analyst@alpha.example.test").visible_agency_ids == {alpha}
    assert actor(staff_app, "admin@beta.example.test").visible_agency_ids == {beta}


def test_default_rules(staff_app: Flask, people: dict[str, int]) -> None:
    moi, alpha, beta = (agency_id(staff_app, c) for c in ("moi", "alpha", "beta"))
    ministry = actor(staff_app, "ministry@moi.example.test")
    analyst = actor(staff_app, "analyst@alpha.example.test")
    sysadmin = actor(staff_app, "sysadmin@example.test")
    assert default_allowed(ministry, "aggregates.read", alpha)  # tree
    assert default_allowed(ministry, "aggregates.read", moi)
    assert not default_allowed(ministry, "responses.read", alpha)
    assert default_allowed(ministry, "users.manage", moi)  # own
    assert not default_allowed(ministry, "users.manage", alpha)
    assert default_allowed(analyst, "responses.export", alpha)
    assert not default_allowed(analyst, "responses.export", beta)
    assert not default_allowed(analyst, "responses.export", None)
    assert default_allowed(sysadmin, "users.manage", None)  # all: system level too
    assert default_allowed(sysadmin, "users.manage", beta)
    assert not default_allowed(sysadmin, "responses.read", alpha)
    assert not default_allowed(analyst, "no.such.action", alpha)


def test_allowed_and_scope_sets(staff_app: Flask, people: dict[str, int]) -> None:
    alpha, beta = agency_id(staff_app, "alpha"), agency_id(staff_app, "beta")
    ministry = actor(staff_app, "ministry@moi.example.test")
    with staff_app.test_request_context():
        assert allowed(ministry, "aggregates.read", beta)
        assert agencies_for(ministry, "aggregates.read") == ministry.visible_agency_ids
        assert agencies_for(ministry, "responses.read") == frozenset()
        assert not may_somewhere(ministry, "responses.read")
        assert allowed(None, "aggregates.read", alpha) is False


class Grant:
    """A plugin that would grant everything, and refuses exports."""

    asked: list[tuple[str, int | None]]

    def __init__(self) -> None:
        self.asked = []

    @hookimpl
    def permission_allowed(self, actor: Actor, action: str, agency_id: int | None) -> Any:
        self.asked.append((action, agency_id))
        if action == "responses.export":
            return False
        if action == "campaigns.manage":
            return True
        return None


def test_a_plugin_decides_first_and_none_defers(staff_app: Flask, people: dict[str, int]) -> None:
    alpha, beta = agency_id(staff_app, "alpha"), agency_id(staff_app, "beta")
    plugin = Grant()
    get_plugins(staff_app).manager.register(plugin, name="grant")
    analyst = actor(staff_app, "analyst@alpha.example.test")
    with staff_app.test_request_context():
        assert not allowed(analyst, "responses.export", alpha)  # plugin narrows
        assert allowed(analyst, "campaigns.manage", alpha)  # plugin widens ...
        assert not allowed(analyst, "campaigns.manage", beta)  # ... never beyond the tree
        assert allowed(analyst, "responses.read", alpha)  # None: the matrix decides
    assert ("campaigns.manage", beta) not in plugin.asked  # not even asked


def test_require(staff_app: Flask, people: dict[str, int]) -> None:
    alpha = agency_id(staff_app, "alpha")
    analyst = actor(staff_app, "analyst@alpha.example.test")
    with staff_app.test_request_context("/staff/x"):
        from flask import g

        with pytest.raises(Unauthorized):
            require("responses.read", alpha)
        g.collector_actor = analyst
        assert require("responses.read", alpha) is analyst
        assert require("responses.read", any_agency=True) is analyst
        with pytest.raises(Forbidden):
            require("users.manage", alpha)
        with pytest.raises(Forbidden):
            require("users.manage", any_agency=True)
    with session_scope(staff_app) as session:
        denials = list(
            session.execute(
                select(AuditEvent).where(AuditEvent.action == "permission.denied")
            ).scalars()
        )
    assert [d.target for d in denials] == ["users.manage", "users.manage"]
    assert all(d.actor_label == "analyst@alpha.example.test" for d in denials)
    assert all(d.agency_id == alpha for d in denials)
    assert '"path":"/staff/x"' in denials[0].detail


def _ministry(agency_id: int | None) -> Actor:
    return Actor(
        user_id=1,
        role="ministry_admin",
        agency_id=agency_id,
        visible_agency_ids=frozenset({3, 5, 8}),
        label="m@example.test",
    )


@pytest.mark.parametrize(
    ("query", "own", "expected"),
    [("", 5, 5), ("", None, 3), ("", 9, 3), ("?agency=8", 5, 8), ("?agency=3", None, 3)],
)
def test_chosen_agency_is_the_asked_one_else_the_own_else_the_first(
    query: str, own: int | None, expected: int
) -> None:
    with Flask(__name__).test_request_context("/x" + query):
        assert chosen_agency(_ministry(own), [3, 5, 8]) == expected


@pytest.mark.parametrize("query", ["?agency=9", "?agency=-3", "?agency=x", "?agency=3.0"])
def test_chosen_agency_answers_404_for_any_other(query: str) -> None:
    with Flask(__name__).test_request_context("/x" + query), pytest.raises(NotFound):
        chosen_agency(_ministry(5), [3, 5, 8])
