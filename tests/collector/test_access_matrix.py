"""Every route, as everyone: the documented access matrix (docs/access.md) is the behaviour.

The test parses the two tables of docs/access.md: the role x action matrix must
equal ``collector.access.permissions.MATRIX``, and the route table must list every rule
of ``app.url_map``. Then each route is requested (GET, and POST where the rule
allows it) as an anonymous visitor, as each role of agency ``alpha``, as the
ministry and system administrators, and as staff of agency ``beta``, and the
outcome must be the one the tables predict.
"""

from __future__ import annotations

import importlib.metadata
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from collector.access.permissions import ACTIONS
from collector.access.permissions import MATRIX
from collector.core import plugins as plugin_system
from collector.core.models import ROLES
from tests.helpers.answers import make_keyed
from tests.helpers.campaigns import make_campaign
from tests.helpers.complaints import make_case
from tests.helpers.complaints import make_followup
from tests.helpers.improvement import make_action
from tests.helpers.jobs import make_export_job
from tests.helpers.kiosk import make_kiosk
from tests.helpers.kiosk import paired_tablet
from tests.helpers.organisation import agency_id
from tests.helpers.questionnaires import make_draft
from tests.helpers.staff import PEOPLE
from tests.helpers.staff import make_user
from tests.helpers.web import Auth
from tests.helpers.web import csrf_token
from tests.helpers.web import logged_in

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"
NEVER = "—"


def table_after(heading: str) -> list[dict[str, str]]:
    """The first Markdown table under ``## heading``, as dicts keyed by the header."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/access.md has no section {heading!r}"
    lines = [line.strip() for line in match.group(1).splitlines() if line.strip().startswith("|")]
    assert len(lines) >= 3, f"no table under {heading!r}"

    def cells(line: str) -> list[str]:
        return [c.strip().strip("`") for c in line.strip("|").split("|")]

    header = cells(lines[0])
    return [dict(zip(header, cells(line), strict=True)) for line in lines[2:]]


def documented_matrix() -> dict[str, dict[str, str]]:
    matrix: dict[str, dict[str, str]] = {role: {} for role in ROLES}
    for row in table_after("Role × action matrix"):
        for role in ROLES:
            if row[role] != NEVER:
                matrix[role][row["action"]] = row[role]
    return matrix


def documented_routes() -> dict[tuple[str, frozenset[str]], str]:
    routes = {}
    for row in table_after("Routes"):
        methods = frozenset(m.strip() for m in row["methods"].split(","))
        routes[(row["route"], methods)] = row["access"]
    return routes


def app_routes(app: Flask) -> dict[tuple[str, frozenset[str]], str]:
    return {
        (rule.rule, frozenset(rule.methods - {"HEAD", "OPTIONS"})): rule.endpoint
        for rule in app.url_map.iter_rules()
    }


def test_the_documented_matrix_is_the_matrix_in_code() -> None:
    assert documented_matrix() == MATRIX
    documented_actions = {row["action"] for row in table_after("Role × action matrix")}
    assert documented_actions == set(ACTIONS)


def test_every_route_is_documented_and_every_documented_route_exists(app: Flask) -> None:
    documented = documented_routes()
    actual = app_routes(app)
    missing = sorted(f"{r} {sorted(m)}" for r, m in set(actual) - set(documented))
    stale = sorted(f"{r} {sorted(m)}" for r, m in set(documented) - set(actual))
    assert not missing, f"add these routes to docs/access.md: {missing}"
    assert not stale, f"docs/access.md lists routes that do not exist: {stale}"
    for access in documented.values():
        actions = access.removesuffix(" (object)").split(" or ")
        assert access in ("public", "login", "device", "staff") or set(actions) <= set(ACTIONS), (
            access
        )


# -- walking every route as everyone ------------------------------------------


@dataclass(frozen=True)
class Persona:
    name: str
    email: str | None  # None: anonymous
    role: str | None
    agency: str | None

    @property
    def tree(self) -> set[str]:
        """Agency codes this persona can see (seed: moi > alpha, beta)."""
        if self.role == "system_admin":
            return {"moi", "alpha", "beta"}
        if self.agency == "moi":
            return {"moi", "alpha", "beta"}
        return {self.agency} if self.agency else set()


PERSONAS = [Persona("anonymous", None, None, None)] + [
    Persona(f"{role}@{code or 'system'}", email, role, code)
    for email, (role, code) in PEOPLE.items()
]

OBJECT_AGENCY = "alpha"  # every "(object)" route is requested for an object of alpha


def sample_values(target_user: int) -> dict[str, Any]:
    return {
        "agency_code": "alpha",
        "unit_code": "c1",
        "slug": "citizen-satisfaction",
        "filename": "style.css",
        "user_id": target_user,
        "token": "not-a-token",
        "year": 2025,
        "variable": "sex",
    }


# Sample values that differ by route: a file each static folder really holds.
RULE_VALUES: dict[str, dict[str, Any]] = {
    "/kiosk/static/<path:filename>": {"filename": "kiosk.css"},
    "/assets/question-types/<name>/<path:filename>": {
        "name": "star_rating",
        "filename": "stars.js",
    },
}


def build(rule: str, values: dict[str, Any]) -> str:
    values = {**values, **RULE_VALUES.get(rule, {})}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"add a sample value for <{name}> (route {rule}) to this test"
        return str(values[name])

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", value, rule)


def expected(persona: Persona, access: str, method: str) -> str:
    """What should happen: 'ok', 'login' (sent to log in), 'home' (sent to the console),
    'forbidden' (403) or 'not found' (404)."""
    if access == "public":
        return "ok"
    if access == "login":
        return "ok" if persona.email is None else "home"
    if access == "device":
        return "no device"  # no persona holds a kiosk's credential; a staff session is not one
    if persona.email is None:
        return "login"
    if access == "staff":
        return "ok"
    assert persona.role is not None
    scopes = documented_matrix()[persona.role]
    if access.endswith(" (object)"):
        action = access.removesuffix(" (object)")
        scope = scopes.get(action)
        visible = OBJECT_AGENCY in persona.tree
        if (
            scope == "all"
            or (scope == "tree" and visible)
            or (scope == "own" and persona.agency == OBJECT_AGENCY)
        ):
            return "ok"
        return "forbidden" if visible else "not found"
    return "ok" if any(a in scopes for a in access.split(" or ")) else "forbidden"


def outcome(response: Any) -> str:
    status = response.status_code
    location = response.headers.get("Location", "")
    if status == 303 and location.endswith("/staff/login?ended=logout"):
        return "ok"  # logged out, as asked
    if status in (301, 302, 303) and "/staff/login" in location:
        return "login"
    if status in (301, 302, 303) and location.endswith("/staff/"):
        return "home"
    if status == 401 and response.is_json and "kiosk" in str(response.get_json()):
        return "no device"  # the kiosk API's refusal (collector.kiosk.device_views)
    if status == 401:
        return "login"
    if status == 403:
        return "forbidden"
    if status == 404:
        return "not found"
    if status >= 500:
        return f"error {status}"
    return "ok"


@pytest.fixture
def walked(make_app: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The staff app with a plugin whose question type ships files (tests.helpers.star_plugin),
    so that the route serving them has a file to serve."""
    ep = importlib.metadata.EntryPoint(
        name="stars", value="tests.helpers.star_plugin", group="collector"
    )
    monkeypatch.setattr(plugin_system, "_entry_points", lambda: [ep])
    app = make_app(seed="staff", CLOCK=clock, PLUGINS_LOAD_ENTRY_POINTS=True)
    app.config["RATELIMIT_LOGIN"] = "1000 per minute"
    return app


def object_values(app: Flask) -> dict[str, Any]:
    """Sample values for every route's variables: objects of agency alpha of each kind."""
    target = make_user(app, "target@alpha.example.test", "counter_staff", "alpha")
    return {
        **sample_values(target),
        **make_campaign(app),
        **make_case(app),
        **make_followup(app),
        **make_keyed(app),
        **make_action(app),
        **make_export_job(app),
        **make_draft(app),
        **make_kiosk(app),
        "agency_id": agency_id(app, OBJECT_AGENCY),
    }


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p.name)
def test_every_route_as_everyone_matches_the_documented_matrix(
    walked: Flask, persona: Persona
) -> None:
    """One persona per test, so that the walk spreads over the test processes."""
    app = walked
    values = object_values(app)
    routes = documented_routes()
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    mismatches: list[str] = []
    checked = 0
    client = app.test_client()
    auth = Auth(client)
    if persona.email:
        assert logged_in(auth.login(persona.email)), persona
    for rule in rules:
        methods = frozenset(rule.methods - {"HEAD", "OPTIONS"})
        access = routes[(rule.rule, methods)]
        url = build(rule.rule, values)
        for method in ("GET", "POST"):
            if method not in methods:
                continue
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": auth.csrf()})
            want = expected(persona, access, method)
            got = outcome(response)
            checked += 1
            if got != want:
                mismatches.append(
                    f"{persona.name:28} {method:4} {url:40} expected {want}, got {got} "
                    f"({response.status_code})"
                )
            if rule.endpoint == "auth.logout_view" and persona.email:
                assert logged_in(auth.login(persona.email))  # back in for the next routes
    assert not mismatches, "\n" + "\n".join(mismatches)
    assert checked >= len(rules)


def test_every_persona_is_walked() -> None:
    """The walk covers the anonymous visitor and one account of every role."""
    assert {p.role for p in PERSONAS} == {None, *ROLES}


def test_objects_of_another_agency_answer_404_never_403(walked: Flask) -> None:
    """The property the matrix relies on, for every object route, spelled out."""
    app = walked
    routes = documented_routes()
    values = object_values(app)
    for email in ("admin@beta.example.test", "analyst@beta.example.test"):
        client = app.test_client()
        auth = Auth(client)
        assert logged_in(auth.login(email))
        for (rule, methods), access in routes.items():
            if not access.endswith("(object)"):
                continue
            url = build(rule, values)
            for method in sorted(methods):
                response = client.open(url, method=method, data={"csrf_token": auth.csrf()})
                assert response.status_code == 404, (email, method, url)


def test_a_paired_kiosk_passes_the_device_routes_and_no_staff_route(walked: Flask) -> None:
    """The other side of ``device``: the credential opens the kiosk API and nothing else."""
    app = walked
    tablet, _kiosk_id = paired_tablet(app)
    routes = documented_routes()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        access = routes[(rule.rule, frozenset(rule.methods - {"HEAD", "OPTIONS"}))]
        if access == "device":
            response = tablet.post(rule.rule, json={})
            assert response.status_code not in (401, 403), (rule.rule, response.status_code)
        elif access not in ("public", "login") and "<" not in rule.rule and "GET" in rule.methods:
            assert outcome(tablet.get(rule.rule)) == "login", rule.rule


def test_a_denial_is_audited(walked: Flask) -> None:
    from sqlalchemy import select

    from collector.core.db import session_scope
    from collector.core.models import AuditEvent

    client = walked.test_client()
    assert logged_in(Auth(client).login("counter@alpha.example.test"))
    assert client.get("/staff/audit").status_code == 403
    with session_scope(walked) as session:
        denial = session.execute(
            select(AuditEvent).where(AuditEvent.action == "permission.denied")
        ).scalar_one()
    assert denial.actor_label == "counter@alpha.example.test"
    assert denial.target == "audit.read"


def test_the_login_page_csrf_token_helper_finds_tokens() -> None:
    assert csrf_token('<input name="csrf_token" type="hidden" value="abc">') == "abc"
