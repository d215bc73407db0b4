"""Staff accounts: creating, disabling and enabling them (web and command line).

Only the fields named here are ever set: a form or a command cannot assign an
agency, a role, ``active`` or ``session_version`` except through these checks
(no mass assignment). A role must suit the agency's level, and the actor must be
allowed ``users.manage`` on that agency (for a system administrator, which has
no agency: at the system level).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access import audit
from collector.access.guard import unscoped
from collector.access.identity import normalise_email
from collector.access.identity import valid_email
from collector.access.passwords import check_password_policy
from collector.access.passwords import hash_password
from collector.access.passwords import verify_password
from collector.access.permissions import allowed
from collector.access.sessions import end_all_sessions
from collector.core.commands import cli_label
from collector.core.commands import prepare_database
from collector.core.db import get_engine
from collector.core.db import writing
from collector.core.hooktypes import Actor
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.core.models import ROLES
from collector.core.models import Agency
from collector.core.models import User

ROLES_BY_LEVEL: dict[str | None, tuple[str, ...]] = {
    None: ("system_admin",),
    "ministry": ("ministry_admin",),
    "agency": ("agency_admin", "analyst", "case_handler", "counter_staff"),
}
"""Which roles an account may have, by the level of its agency (None: no agency)."""


ACCOUNT_ERRORS: dict[str, LazyText] = {
    "err_email": lazy_gettext("Enter a valid email address."),
    "err_display_name": lazy_gettext("Enter a name (at most 100 characters)."),
    "err_role": lazy_gettext("No such role."),
    "err_role_for_agency": lazy_gettext(
        "You cannot create an account with this role in this agency."
    ),
    "err_email_taken": lazy_gettext("An account with this email already exists."),
    "err_disable_self": lazy_gettext("You cannot disable your own account."),
    "err_current_password": lazy_gettext("The current password is not right."),
    "err_password_mismatch": lazy_gettext("The two new passwords differ."),
    "err_password_unchanged": lazy_gettext("The new password must differ from the current one."),
    "err_password_short": lazy_gettext("The password needs at least %(min)s characters."),
    "err_password_long": lazy_gettext("The password is too long."),
    "err_password_is_email": lazy_gettext("The password must not be the email address."),
}
"""What each :class:`AccountError` key says (``min``: the shortest password allowed)."""


class AccountError(ValueError):
    """A request to create or change an account that cannot be honoured.

    ``field`` names the form field, ``key`` the problem (one of :data:`ACCOUNT_ERRORS`).
    """

    def __init__(self, field: str, key: str) -> None:
        super().__init__(f"{field}: {key}")
        self.field = field
        self.key = key

    def text(self, language: str) -> str:
        """The problem in ``language``."""
        return translator(language).render(
            ACCOUNT_ERRORS[self.key], min=current_app.config["PASSWORD_MIN_LENGTH"]
        )


@dataclass(frozen=True)
class NewUser:
    email: str
    display_name: str
    role: str
    agency: Agency | None
    password: str | None


def roles_for(agency: Agency | None) -> tuple[str, ...]:
    return ROLES_BY_LEVEL.get(agency.level if agency is not None else None, ())


def may_assign(actor: Actor | None, role: str, agency: Agency | None) -> bool:
    """May ``actor`` create (or change) an account with ``role`` at ``agency``?

    ``actor=None`` is the command line, run by whoever operates the server.
    """
    if role not in roles_for(agency):
        return False
    if actor is None:
        return True
    return allowed(actor, "users.manage", agency.id if agency is not None else None)


def create_user(
    db: Session, new: NewUser, *, actor: Actor | None, actor_label: str | None = None
) -> User:
    """Check and store a new account, audited in the same transaction."""
    email = normalise_email(new.email)
    if not valid_email(email):
        raise AccountError("email", "err_email")
    name = (new.display_name or "").strip()
    if not name or len(name) > 100:
        raise AccountError("display_name", "err_display_name")
    if new.role not in ROLES:
        raise AccountError("role", "err_role")
    if not may_assign(actor, new.role, new.agency):
        raise AccountError("role", "err_role_for_agency")
    if new.password is not None:
        problem = check_password_policy(new.password, email)
        if problem:
            raise AccountError("password", problem)
    exists = db.execute(
        unscoped(select(col(User.id)).where(col(User.email) == email), "unique e-mail")
    ).first()
    if exists is not None:
        raise AccountError("email", "err_email_taken")
    user = User(
        email=email,
        display_name=name,
        role=new.role,
        agency_id=new.agency.id if new.agency is not None else None,
        password_hash=hash_password(new.password) if new.password is not None else None,
    )
    db.add(user)
    db.flush()
    audit.record(
        db,
        "user.created",
        actor=actor,
        actor_label=actor_label,
        agency_id=user.agency_id,
        target=user.email,
        detail={"user_id": user.id, "role": user.role},
        address=audit.request_address(),
    )
    return user


def set_active(
    db: Session, user: User, active: bool, *, actor: Actor | None, actor_label: str | None = None
) -> None:
    """Disable (ending every session at once) or enable an account; audited."""
    if actor is not None and actor.user_id == user.id and not active:
        raise AccountError("user", "err_disable_self")
    user.active = active
    if not active:
        user.session_version += 1
    db.add(user)
    audit.record(
        db,
        "user.enabled" if active else "user.disabled",
        actor=actor,
        actor_label=actor_label,
        agency_id=user.agency_id,
        target=user.email,
        detail={"user_id": user.id},
        address=audit.request_address(),
    )


def change_password(
    db: Session, user: User, current: str, new: str, confirm: str, *, actor: Actor
) -> None:
    """Replace the account's own password, audited; every session of the account ends.

    The current password must be right, the new one typed the same twice, meet the
    policy and differ from the current one. It is hashed with the app's present
    Argon2id parameters (so an old hash is upgraded on the way), and
    ``session_version`` is bumped: a session elsewhere (a stolen one included)
    ends on its next request; the caller starts a fresh session for this browser.
    """
    if user.password_hash is None or not verify_password(user.password_hash, current):
        raise AccountError("current_password", "err_current_password")
    if new != confirm:
        raise AccountError("confirm_password", "err_password_mismatch")
    problem = check_password_policy(new, user.email)
    if problem:
        raise AccountError("new_password", problem)
    if new == current:
        raise AccountError("new_password", "err_password_unchanged")
    user.password_hash = hash_password(new)
    end_all_sessions(db, user)
    audit.record(
        db,
        "password.changed",
        actor=actor,
        agency_id=user.agency_id,
        target=user.email,
        detail={"user_id": user.id},
        address=audit.request_address(),
    )


# -- command line -----------------------------------------------------------


def _write_session() -> Session:
    return Session(writing(get_engine()), expire_on_commit=False)


@click.group("users")
def users_command() -> None:
    """Staff accounts."""


@users_command.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--agency", "agency_code", default=None, help="Agency code (not for system_admin).")
@click.option("--name", "display_name", default=None, help="Display name (default: the e-mail).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_create(
    email: str, role: str, agency_code: str | None, display_name: str | None, password_stdin: bool
) -> None:
    """Create a staff account (the password is prompted for, or read from stdin)."""
    prepare_database(current_app)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _write_session() as db:
        agency = None
        if agency_code:
            agency = db.execute(
                unscoped(select(Agency).where(col(Agency.code) == agency_code), "command line")
            ).scalar_one_or_none()
            if agency is None:
                raise click.BadParameter(f"no agency {agency_code!r}", param_hint="--agency")
        try:
            user = create_user(
                db,
                NewUser(email, display_name or email, role, agency, password),
                actor=None,
                actor_label=cli_label(),
            )
        except AccountError as exc:
            raise click.BadParameter(
                exc.text("en"),
                param_hint=f"--{exc.field.replace('_', '-')}",
            ) from None
        db.commit()
    click.echo(f"Created {user.email} ({user.role}{', ' + agency_code if agency_code else ''}).")


def _set_active_cli(email: str, active: bool) -> None:
    prepare_database(current_app)
    with _write_session() as db:
        user = db.execute(
            unscoped(select(User).where(col(User.email) == normalise_email(email)), "command line")
        ).scalar_one_or_none()
        if user is None:
            raise click.BadParameter(f"no account {email!r}", param_hint="EMAIL")
        set_active(db, user, active, actor=None, actor_label=cli_label())
        db.commit()
    click.echo(f"{'Enabled' if active else 'Disabled'} {user.email}.")


@users_command.command("disable")
@click.argument("email")
@with_appcontext
def users_disable(email: str) -> None:
    """Disable an account; its sessions end at once."""
    _set_active_cli(email, False)


@users_command.command("enable")
@click.argument("email")
@with_appcontext
def users_enable(email: str) -> None:
    """Enable an account again."""
    _set_active_cli(email, True)


@users_command.command("list")
@with_appcontext
def users_list() -> None:
    """List staff accounts."""
    prepare_database(current_app)
    with _write_session() as db:
        codes = dict(
            db.execute(unscoped(select(col(Agency.id), col(Agency.code)), "command line")).all()
        )
        users = db.execute(
            unscoped(select(User).order_by(col(User.email)), "command line")
        ).scalars()
        for user in users:
            state = "active" if user.active else "disabled"
            click.echo(f"{user.email}\t{user.role}\t{codes.get(user.agency_id, '-')}\t{state}")


@click.group("audit")
def audit_command() -> None:
    """The audit log."""


@audit_command.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check the audit log's hash chain; print the head hash to keep elsewhere."""
    prepare_database(current_app)
    with _write_session() as db:
        status = audit.verify_chain(db)
    if status.ok:
        click.echo(f"Audit chain intact: {status.checked} events; head {status.head}")
    else:
        click.echo(
            f"Audit chain BROKEN at event {status.first_broken_id} ({status.reason}); "
            f"{status.checked} events before it are intact.",
            err=True,
        )
        sys.exit(1)


COMMANDS = [users_command, audit_command]
