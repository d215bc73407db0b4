"""The results' own table: per-stratum sums kept across processes (``collector.results.sums``).

A row holds the sums of one statement (its key: the digest of the scoped conditions and
the measures, ``sums._sums_key``) over the responses with an id up to ``settled``, as
they stood at response revision ``revision``: a new worker starts from it instead of
summing every wave again. The migration is ``core/migrations/versions/0020``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlalchemy import Text
from sqlmodel import Field
from sqlmodel import SQLModel

from collector.core.clock import utcnow


class KeptSums(SQLModel, table=True):
    """Sums of one scoped statement, exact for the responses up to ``settled``."""

    __tablename__ = "results_sums"
    key: str = Field(primary_key=True, max_length=64)
    settled: int  # covers the responses with an id up to this one
    revision: int  # the highest response_revision id when they were summed
    # JSON: {"rows": [[agency, unit, n], ...], "cells": {measure: [[stratum, domain,
    # rows, answered, total, squares], ...]}} (``sums.encode``)
    sums: str = Field(sa_column=Column(Text, nullable=False))
    stored_at: datetime = Field(default_factory=utcnow)
