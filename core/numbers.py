"""Numbers people read aloud (C-2026-000123, I-2026-000045): named counters, one row per name."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from core.models import Counter


def next_number(*, session: Any, name: str) -> int:
    """The next value of the counter `name` (1, 2, 3, …), unique under any concurrency.

    Taken in the caller's transaction: the counter row stays locked until that commits, so numbers
    have no gaps and a rollback gives the number back. (A separate short transaction would hold
    the row for less time, but each request would then need a second pooled connection while
    holding one, which can starve the pool under load.)
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return _bump(session, name, insert)


def _bump(executor: Any, name: str, insert: Any) -> int:
    statement = insert(Counter).values(name=name, value=1)
    statement = statement.on_conflict_do_update(index_elements=["name"], set_={"value": Counter.value + 1})
    return int(executor.execute(statement.returning(Counter.value)).scalar_one())
