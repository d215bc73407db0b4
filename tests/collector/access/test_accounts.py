"""Staff accounts: the checks behind every creation, and the ``users`` commands."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from collector.access.accounts import AccountError
from collector.access.accounts import NewUser
from collector.access.accounts import create_user
from collector.access.accounts import may_assign
from collector.access.accounts import roles_for
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import AuditEvent
from collector.core.models import User
from tests.helpers.staff import FAST_HASH
from tests.helpers.web import Auth
from tests.helpers.web import logged_in


@pytest.fixture
def accounts_app(make_app: Any) -> Flask:
    app = make_app(seed="agencies", PASSWORD_HASH=FAST_HASH)
    return app


def agency(session: Any, code: str) -> Agency:
    return session.execute(select(Agency).where(Agency.code == code)).scalar_one()


def users(app: Flask) -> dict[str, User]:
    with session_scope(app) as session:
        return {u.email: u for u in session.execute(select(User)).scalars()}


def test_roles_by_agency_level(accounts_app: Flask) -> None:
    with session_scope(accounts_app) as session:
        assert roles_for(None) == ("system_admin",)
        assert roles_for(agency(session, "moi")) == ("ministry_admin",)
        assert "analyst" in roles_for(agency(session, "alpha"))
        assert not may_assign(None, "analyst", agency(session, "moi"))
        assert may_assign(None, "system_admin", None)


@pytest.mark.parametrize(
    "fields, problem",
    [
        ({"email": "nope"}, "err_email"),
        ({"email": "a" * 250 + "@x.test"}, "err_email"),
        ({"display_name": "   "}, "err_display_name"),
        ({"display_name": "x" * 101}, "err_display_name"),
        ({"role": "root"}, "err_role"),
        ({"role": "ministry_admin"}, "err_role_for_agency"),
        ({"password": "too short"}, "err_password_short"),
        ({"password": "p" * 300}, "err_password_long"),
    ],
)
def test_create_user_refuses(accounts_app: Flask, fields: dict[str, Any], problem: str) -> None:
    with accounts_app.app_context(), session_scope(accounts_app) as session:
        values = {
            "email": "someone@alpha.example.test",
            "display_name": "Someone",
            "role": "analyst",
            "agency": agency(session, "alpha"),
            "password": "long enough password",
        }
        values.update(fields)
        with pytest.raises(AccountError) as caught:
            create_user(session, NewUser(**values), actor=None, actor_label="test")
        assert caught.value.key == problem


def test_emails_are_unique_whatever_the_case(accounts_app: Flask) -> None:
    with accounts_app.app_context(), session_scope(accounts_app) as session:
        alpha = agency(session, "alpha")
        new = NewUser("Someone@Alpha.example.test", "S", "analyst", alpha, "long enough password")
        create_user(session, new, actor=None, actor_label="test")
        again = NewUser("someone@alpha.EXAMPLE.test", "S", "analyst", alpha, "long enough password")
        with pytest.raises(AccountError, match="taken"):
            create_user(session, again, actor=None, actor_label="test")
    assert list(users(accounts_app)) == ["someone@alpha.example.test"]


def test_the_database_refuses_a_system_admin_with_an_agency(accounts_app: Flask) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), session_scope(accounts_app) as session:
        session.add(
            User(
                email="x@x.test",
                display_name="x",
                role="system_admin",
                agency_id=agency(session, "alpha").id,
            )
        )
        session.flush()
    with pytest.raises(IntegrityError), session_scope(accounts_app) as session:
        session.add(User(email="y@x.test", display_name="y", role="analyst", agency_id=None))
        session.flush()


def test_users_create_command_with_password_on_stdin(accounts_app: Flask) -> None:
    runner = accounts_app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Boss@Alpha.example.test",
            "--role",
            "agency_admin",
            "--agency",
            "alpha",
            "--name",
            "The Boss",
            "--password-stdin",
        ],
        input="a very good password\n",
    )
    assert result.exit_code == 0, result.output
    boss = users(accounts_app)["boss@alpha.example.test"]
    assert boss.display_name == "The Boss" and boss.role == "agency_admin"
    client = accounts_app.test_client()
    assert logged_in(Auth(client).login("boss@alpha.example.test", "a very good password"))
    with session_scope(accounts_app) as session:
        event = session.execute(
            select(AuditEvent).where(AuditEvent.action == "user.created")
        ).scalar_one()
    assert event.actor_label.startswith("cli:")


def test_users_create_command_prompts_twice(accounts_app: Flask) -> None:
    runner = accounts_app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--email", "root@example.test", "--role", "system_admin"],
        input="a very good password\na very good password\n",
    )
    assert result.exit_code == 0, result.output
    assert users(accounts_app)["root@example.test"].agency_id is None


def test_users_create_command_errors(accounts_app: Flask) -> None:
    runner = accounts_app.test_cli_runner()
    base = ["users", "create", "--email", "x@alpha.example.test", "--password-stdin"]
    wrong_level = runner.invoke(
        args=[*base, "--role", "ministry_admin", "--agency", "alpha"],
        input="a very good password\n",
    )
    assert (
        wrong_level.exit_code != 0
        and "cannot create an account with this role" in wrong_level.output
    )
    no_agency = runner.invoke(
        args=[*base, "--role", "analyst", "--agency", "nowhere"], input="a very good password\n"
    )
    assert no_agency.exit_code != 0 and "no agency" in no_agency.output
    short = runner.invoke(args=[*base, "--role", "analyst", "--agency", "alpha"], input="short\n")
    assert short.exit_code != 0 and "at least 12" in short.output
    assert users(accounts_app) == {}


def test_users_disable_enable_and_list(accounts_app: Flask) -> None:
    runner = accounts_app.test_cli_runner()
    runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "a@alpha.example.test",
            "--role",
            "analyst",
            "--agency",
            "alpha",
            "--password-stdin",
        ],
        input="a very good password\n",
    )
    client = accounts_app.test_client()
    assert logged_in(Auth(client).login("a@alpha.example.test", "a very good password"))
    result = runner.invoke(args=["users", "disable", "A@alpha.example.test"])
    assert result.exit_code == 0, result.output
    assert client.get("/staff/").status_code == 302  # kicked out at once
    listing = runner.invoke(args=["users", "list"]).output
    assert "a@alpha.example.test\tanalyst\talpha\tdisabled" in listing
    assert runner.invoke(args=["users", "enable", "a@alpha.example.test"]).exit_code == 0
    assert "\tactive" in runner.invoke(args=["users", "list"]).output
    missing = runner.invoke(args=["users", "disable", "ghost@x.test"])
    assert missing.exit_code != 0 and "no account" in missing.output


def test_demo_staff_accounts(accounts_app: Flask) -> None:
    from collector.demo.responses import ensure_agencies
    from collector.demo.staff import DEMO_PASSWORD
    from collector.demo.staff import DEMO_STAFF
    from collector.demo.staff import seed_demo_staff

    ensure_agencies(accounts_app)
    listed = seed_demo_staff(accounts_app)
    assert len(listed) == len(DEMO_STAFF) == 10
    stored = users(accounts_app)
    assert {s[2] for s in DEMO_STAFF} == {u.role for u in stored.values()}
    assert seed_demo_staff(accounts_app) == listed  # a second run adds nothing
    assert len(users(accounts_app)) == 10
    client = accounts_app.test_client()
    assert logged_in(Auth(client).login("analyst@demo-land.example", DEMO_PASSWORD))
    assert "示範市中正地政事務所" in client.get("/staff/").text
