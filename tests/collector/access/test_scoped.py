"""The scoped layer: every table filtered, unknown tables and nested selects refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Blueprint
from flask import Flask
from flask import g
from sqlalchemy import Column
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import Table
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update
from sqlalchemy.orm import aliased

from collector.access.guard import UnscopedQuery
from collector.access.guard import unscoped
from collector.access.identity import actor_for_user
from collector.access.scoped import get_scoped
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.core.db import get_session
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import AuditEvent
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response
from collector.core.models import StaffInvitation
from collector.core.models import Unit
from collector.core.models import User
from tests.helpers.answers import CITIZEN_ANSWERS
from tests.helpers.organisation import agency_id
from tests.helpers.web import Auth
from tests.helpers.web import logged_in


def submit(app: Flask, agency: str, count: int = 1) -> None:
    client = app.test_client()
    for _ in range(count):
        response = client.post(
            "/api/v1/responses",
            json={
                "questionnaire": "citizen-satisfaction",
                "agency": agency,
                "unit": "c1",
                "answers": CITIZEN_ANSWERS,
            },
        )
        assert response.status_code == 201, response.get_json()


@pytest.fixture
def data(staff_app: Flask, people: dict[str, int]) -> Flask:
    submit(staff_app, "alpha", 2)
    submit(staff_app, "beta", 3)
    return staff_app


@contextmanager
def as_user(app: Flask, email: str) -> Iterator[None]:
    """A request context where ``email`` is the current actor."""
    with app.test_request_context("/staff/"):
        db = get_session()
        user = db.execute(select(User).where(User.email == email)).scalar_one()
        g.collector_actor = actor_for_user(user, db=db)
        yield


def count(statement: Any) -> int:
    return len(get_session().execute(statement).all())


def test_rows_of_other_agencies_are_filtered(data: Flask) -> None:
    alpha, beta = agency_id(data, "alpha"), agency_id(data, "beta")
    with as_user(data, "analyst@alpha.example.test"):
        rows = get_session().execute(scoped(select(Response), "responses.read")).scalars().all()
        assert len(rows) == 2 and {r.agency_id for r in rows} == {alpha}
        assert all(r.answers for r in rows)  # the answers come with their response
    with as_user(data, "analyst@beta.example.test"):
        rows = get_session().execute(scoped(select(Response), "responses.read")).scalars().all()
        assert {r.agency_id for r in rows} == {beta} and len(rows) == 3


def test_a_role_without_the_action_sees_nothing(data: Flask) -> None:
    with as_user(data, "ministry@moi.example.test"):
        assert count(scoped(select(Response), "responses.read")) == 0
    with as_user(data, "counter@alpha.example.test"):
        assert count(scoped(select(Response), "responses.read")) == 0


def test_ministry_sees_its_tree_for_aggregates(data: Flask) -> None:
    with as_user(data, "ministry@moi.example.test"):
        statement = scoped(select(func.count()).select_from(Response), "aggregates.read")
        assert get_session().execute(statement).scalar_one() == 5
        codes = get_session().execute(scoped(select(Agency.code), "aggregates.read")).scalars()
        assert set(codes) == {"moi", "alpha", "beta"}


@pytest.mark.filterwarnings("ignore:SELECT statement has a cartesian product")
def test_every_table_of_a_join_is_scoped(data: Flask) -> None:
    with as_user(data, "analyst@alpha.example.test"):
        joined = select(Response.id, Unit.code).join(Unit, Unit.id == Response.unit_id)
        assert count(scoped(joined, "responses.read")) == 2
        # An implicit cross join cannot pull in beta's units either.
        crossed = select(Response.id, Unit.id).where(Unit.code == "c1")
        assert count(scoped(crossed, "responses.read")) == 2


def test_aliases_are_scoped(data: Flask) -> None:
    other = aliased(Response)
    with as_user(data, "analyst@alpha.example.test"):
        statement = select(Response.id, other.id).join(other, other.unit_id == Response.unit_id)
        assert count(scoped(statement, "responses.read")) == 4  # 2 x 2, never beta's


def test_a_table_it_cannot_scope_is_refused(data: Flask) -> None:
    stray = Table("stray", MetaData(), Column("id", Integer, primary_key=True))
    with (
        as_user(data, "analyst@alpha.example.test"),
        pytest.raises(UnscopedQuery, match="stray"),
    ):
        scoped(select(stray), "responses.read")


def test_global_tables_pass_unfiltered(data: Flask) -> None:
    with as_user(data, "analyst@alpha.example.test"):
        assert count(scoped(select(QuestionnaireVersion), "responses.read")) >= 1


def test_nested_selects_must_be_scoped_themselves(data: Flask) -> None:
    with as_user(data, "analyst@alpha.example.test"):
        leaky = select(Response.id).where(Response.id.in_(select(Response.id)))
        with pytest.raises(UnscopedQuery, match="nested"):
            scoped(leaky, "responses.read")
        sub = select(Response.agency_id).subquery()
        with pytest.raises(UnscopedQuery):
            scoped(select(sub.c.agency_id), "responses.read")
        inner = scoped(select(Response.id), "responses.read")
        fine = select(Response.receipt).where(Response.id.in_(inner))
        assert count(scoped(fine, "responses.read")) > 0
        scoped_sub = scoped(select(Response.agency_id), "responses.read").subquery()
        assert count(scoped(select(scoped_sub.c.agency_id), "responses.read")) == 2


def test_system_level_rows_only_with_system_level_permission(data: Flask) -> None:
    with as_user(data, "sysadmin@example.test"):
        emails = set(get_session().execute(scoped(select(User.email), "users.manage")).scalars())
        assert "sysadmin@example.test" in emails and "admin@beta.example.test" in emails
    with as_user(data, "admin@alpha.example.test"):
        emails = set(get_session().execute(scoped(select(User.email), "users.manage")).scalars())
        assert emails == {
            "admin@alpha.example.test",
            "analyst@alpha.example.test",
            "cases@alpha.example.test",
            "counter@alpha.example.test",
        }


def test_updates_and_deletes_are_scoped(data: Flask) -> None:
    with as_user(data, "admin@alpha.example.test"):
        statement = scoped(update(User).values(display_name="renamed"), "users.manage")
        assert get_session().execute(statement).rowcount == 4
        get_session().rollback()
        statement = scoped(delete(Unit).where(Unit.code == "nope"), "users.manage")
        assert "agency_id IN" in str(statement)


def test_no_actor_no_query(data: Flask) -> None:
    with data.test_request_context("/"), pytest.raises(UnscopedQuery, match="actor"):
        scoped(select(Response), "responses.read")


def test_get_scoped_answers_404_for_another_agency_and_403_without_permission(
    data: Flask, people: dict[str, int]
) -> None:
    from werkzeug.exceptions import Forbidden
    from werkzeug.exceptions import NotFound

    target = people["analyst@alpha.example.test"]
    with as_user(data, "admin@beta.example.test"), pytest.raises(NotFound):
        get_scoped(get_session(), User, target, "users.manage")
    with as_user(data, "ministry@moi.example.test"), pytest.raises(Forbidden):
        get_scoped(get_session(), User, target, "users.manage")
    with as_user(data, "admin@alpha.example.test"):
        assert get_scoped(get_session(), User, target, "users.manage").id == target
        with pytest.raises(NotFound):  # does not exist at all: 404, not audited
            get_scoped(get_session(), User, 99999, "users.manage")
        with pytest.raises(NotFound):  # the system administrator has no agency
            get_scoped(get_session(), User, people["sysadmin@example.test"], "users.manage")
    with session_scope(data) as session:
        probes = session.execute(
            select(AuditEvent).where(AuditEvent.action == "permission.denied")
        ).scalars()
        targets = [(p.actor_label, p.target) for p in probes]
    assert ("admin@beta.example.test", f"staff_user:{target}") in targets
    assert ("ministry@moi.example.test", f"staff_user:{target}") in targets
    assert ("admin@alpha.example.test", "staff_user:99999") not in targets


def test_the_guard_refuses_unscoped_queries_on_staff_pages(
    staff_app: Flask, people: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    bp = Blueprint("leaky", __name__, url_prefix="/staff/leaky")
    staff_area(bp)

    @bp.get("/forgot-the-filter")
    def forgot() -> Any:
        return {"n": len(get_session().execute(select(Response)).all())}

    @bp.get("/raw-sql")
    def raw() -> Any:
        return {"n": len(get_session().execute(text("SELECT id FROM response")).all())}

    @bp.get("/by-primary-key")
    def by_key() -> Any:
        return {"agency": get_session().get(Response, 1).agency_id}

    @bp.get("/scoped")
    def fine() -> Any:
        return {"n": len(get_session().execute(scoped(select(Response), "responses.read")).all())}

    @bp.get("/explicit")
    def explicit() -> Any:
        statement = unscoped(select(func.count()).select_from(Response), "test: a total")
        return {"n": get_session().execute(statement).scalar_one()}

    @bp.get("/global")
    def global_table() -> Any:
        return {"n": len(get_session().execute(select(QuestionnaireVersion)).all())}

    staff_app.register_blueprint(bp)  # before the first request
    submit(staff_app, "alpha", 2)
    submit(staff_app, "beta", 3)
    client = staff_app.test_client()
    assert logged_in(Auth(client).login("analyst@alpha.example.test"))
    for path in ("forgot-the-filter", "raw-sql", "by-primary-key"):
        caplog.clear()
        assert client.get(f"/staff/leaky/{path}").status_code == 500  # never the rows
        (failure,) = [r for r in caplog.records if r.exc_info]
        assert failure.exc_info[0] is UnscopedQuery
    assert client.get("/staff/leaky/scoped").get_json() == {"n": 2}
    assert client.get("/staff/leaky/explicit").get_json() == {"n": 5}
    assert client.get("/staff/leaky/global").status_code == 200


def test_the_guard_leaves_public_pages_alone(data: Flask) -> None:
    assert data.test_client().get("/").status_code == 200
    with data.test_request_context("/"):
        assert count(select(Response)) == 5


def test_a_registered_child_table_is_scoped_through_its_parent(data: Flask) -> None:
    with as_user(data, "analyst@alpha.example.test"):
        sql = str(scoped(select(StaffInvitation), "responses.read"))
        assert "campaign.agency_id IN" in sql
    assert Agency.__tablename__ == "agency"
