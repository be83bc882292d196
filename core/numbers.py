"""Numbers people read aloud (C-2026-000123, I-2026-000045).

PostgreSQL (scaled out, several web processes): a sequence per kind. `nextval` takes no row lock,
so call intake in one process never waits for another's transaction to commit; a transaction that
rolls back leaves a gap, and numbers keep rising across the new year rather than restarting.
SQLite (the one-process mode, one writer at a time anyway): a counter row per kind and year, in
the caller's transaction, so a rollback gives the number back and each year starts at 1.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from core.models import Counter

SEQUENCES = {"call": "call_number_seq", "incident": "incident_number_seq"}  # made by the migrations


def next_number(*, session: Any, kind: str, year: int) -> int:
    """The next number of this kind ("call" or "incident"): unique under any concurrency."""
    if session.get_bind().dialect.name == "postgresql":
        return int(session.execute(sa.select(sa.func.nextval(SEQUENCES[kind]))).scalar_one())
    statement = sqlite.insert(Counter).values(name=f"{kind}-{year}", value=1)
    statement = statement.on_conflict_do_update(index_elements=["name"], set_={"value": Counter.value + 1})
    return int(session.execute(statement.returning(Counter.value)).scalar_one())
