"""The password and follow link waiting server-side for the confirmation page: taken
once, only with the right key and case, never after they expire."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlmodel import Session

from collector.complaints import receipts
from collector.core.clock import utcnow
from collector.core.db import get_engine
from collector.core.db import writing
from collector.core.models import Complaint
from collector.core.models import ComplaintReceipt
from tests.helpers.complaints import file_case
from tests.helpers.complaints import make_category


def kept(app: Flask) -> tuple[int, str]:
    case_id = file_case(app, "alpha", make_category(app)).case.id
    assert case_id is not None
    with Session(writing(get_engine(app))) as session:
        case = session.get(Complaint, case_id)
        assert case is not None
        key = receipts.keep(session, case, "PASSWORD1234", "link-token", minutes=30)
        session.commit()
    return case_id, key


def rows(app: Flask) -> int:
    with Session(get_engine(app)) as session:
        return session.execute(select(func.count()).select_from(ComplaintReceipt)).scalar_one()


def take(app: Flask, key: object, case_id: int) -> tuple[str, str] | None:
    with Session(writing(get_engine(app))) as session:
        shown = receipts.take(session, key, case_id)
        session.commit()
    return shown


def test_taken_once_with_its_key_and_case(app: Flask) -> None:
    case_id, key = kept(app)
    with Session(get_engine(app)) as session:
        row = session.execute(select(ComplaintReceipt)).scalar_one()
        assert row.key_hash != key and key not in row.key_hash  # the key itself is not stored
    assert take(app, "another key", case_id) is None
    assert take(app, key, case_id + 1) is None
    assert take(app, None, case_id) is None
    assert take(app, key, case_id) == ("PASSWORD1234", "link-token")
    assert take(app, key, case_id) is None and rows(app) == 0


def test_an_expired_receipt_is_not_shown_and_is_deleted(app: Flask) -> None:
    case_id, key = kept(app)
    with Session(writing(get_engine(app))) as session:
        session.execute(update(ComplaintReceipt).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    assert take(app, key, case_id) is None
    assert rows(app) == 0


def test_forget_deletes_an_unshown_receipt(app: Flask) -> None:
    case_id, key = kept(app)
    with Session(writing(get_engine(app))) as session:
        receipts.forget(session, key)
        session.commit()
    assert rows(app) == 0 and take(app, key, case_id) is None
