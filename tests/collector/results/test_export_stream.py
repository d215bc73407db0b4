"""Exports in pieces: the table read piece by piece (``reading.iter_tables``) and written
by the CSV and XLSX exporters one piece at a time, with the same file as at once."""

from __future__ import annotations

import gc
import io
import weakref
from collections.abc import Iterator

import pytest
from flask import Flask
from openpyxl import load_workbook

from collector.core.db import session_scope
from collector.core.plugins import get_plugins
from collector.results.exporters import CsvExporter
from collector.results.exporters import Exporter
from collector.results.exporters import XlsxExporter
from collector.results.reading import ResponseTable
from collector.results.reading import iter_tables
from collector.results.reading import load_table
from tests.helpers.answers import SLUG
from tests.helpers.answers import add_responses


@pytest.fixture
def answered(staff_app: Flask) -> Flask:
    add_responses(staff_app, "alpha", "c1", 7, overall_satisfaction=5, comment="好")
    add_responses(staff_app, "alpha", "c2", 5, overall_satisfaction=2)
    add_responses(staff_app, "beta", None, 4, overall_satisfaction=1)
    return staff_app


def test_pieces_hold_the_whole_table_in_order(answered: Flask) -> None:
    with answered.app_context(), session_scope(answered) as session:
        whole = load_table(session, get_plugins(answered), SLUG).frame
        pieces = list(iter_tables(session, get_plugins(answered), SLUG, chunk=5))
    assert [len(p.frame) for p in pieces] == [5, 5, 5, 1]
    joined = [row for p in pieces for row in p.frame["receipt"]]
    assert joined == list(whole["receipt"])
    assert all(list(p.frame.columns) == list(whole.columns) for p in pieces)


def test_streamed_files_equal_the_files_written_at_once(answered: Flask) -> None:
    with answered.test_request_context(), session_scope(answered) as session:
        plugins = get_plugins(answered)
        table = load_table(session, plugins, SLUG)
        at_once = CsvExporter().export(table)
        streamed = b"".join(CsvExporter().stream(iter_tables(session, plugins, SLUG, chunk=4)))
        assert streamed == at_once
        xlsx_once = XlsxExporter().export(table)
        xlsx_streamed = b"".join(
            XlsxExporter().stream(iter_tables(session, plugins, SLUG, chunk=4))
        )
    once, streamed_book = (load_workbook(io.BytesIO(b)) for b in (xlsx_once, xlsx_streamed))
    for sheet in ("responses", "dictionary"):
        assert list(once[sheet].values) == list(streamed_book[sheet].values)
    about = {row[0]: row[1] for row in streamed_book["about"].values}
    assert 16 in about.values()  # the number of responses, counted over the pieces


@pytest.mark.parametrize("exporter", [CsvExporter(), XlsxExporter()], ids=["csv", "xlsx"])
def test_an_exporter_holds_one_piece_at_a_time(answered: Flask, exporter: Exporter) -> None:
    """While the exporter asks for piece k, piece k-2 is gone: the table is never whole."""
    with answered.test_request_context(), session_scope(answered) as session:
        plugins = get_plugins(answered)
        earlier: list[weakref.ref[ResponseTable]] = []
        checked = []

        def pieces() -> Iterator[ResponseTable]:
            for table in iter_tables(session, plugins, SLUG, chunk=2):
                gc.collect()
                if len(earlier) >= 2:
                    checked.append(earlier[-2]() is None)
                earlier.append(weakref.ref(table))
                yield table

        size = sum(len(piece) for piece in exporter.stream(pieces()))
    assert size > 0
    assert len(checked) == 6 and all(checked)
