"""SQL pieces of the report facts and the CSV export, for SQLite and PostgreSQL alike.

* `whole_seconds(start, end)`: the interval between two timestamp columns in whole seconds,
  from `epoch_ms` of each (so a query can convert each column once and subtract integers):
  each time rounded to the millisecond, the difference to the second, halves up. SQLite keeps
  UTC times as text ("2026-11-30 23:30:00.000000", see core.db.UtcDateTime): julianday() *
  86,400,000 (the double carries ~30 µs of noise at today's julian day numbers, well under the
  millisecond). PostgreSQL: date_part('epoch', …) * 1000, a double (EXTRACT's numeric is exact
  but cost 2.5 times as much per row, for no digit that survives the millisecond).
* `periods_cte(periods)`: periods as a `VALUES` table `(d, s, e)`, for the CSV export (whose
  calls join it on `s <= received_at < e`, which the index on `calls.received_at` answers).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from core.db import UtcDateTime
from reports.periods import Period


class epoch_ms(FunctionElement[int]):
    """A timestamp column as whole milliseconds on a line (only differences of two mean anything)."""

    type = sa.BigInteger()
    inherit_cache = True
    name = "epoch_ms"


@compiles(epoch_ms, "sqlite")
def _sqlite_epoch_ms(element: epoch_ms, compiler: Any, **kw: Any) -> str:
    (moment,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(round(julianday({moment}) * 86400000.0) AS INTEGER)"


@compiles(epoch_ms, "postgresql")
def _postgresql_epoch_ms(element: epoch_ms, compiler: Any, **kw: Any) -> str:
    (moment,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(round(date_part('epoch', {moment}) * 1000) AS BIGINT)"


def ms_to_whole_seconds(milliseconds: Any) -> Any:
    """Whole seconds of a non-negative number of milliseconds, halves up (integer division)."""
    return (milliseconds + 500) // 1000


def whole_seconds(start: Any, end: Any) -> Any:
    """Whole seconds from the timestamp column `start` to `end` (NULL when either is)."""
    return ms_to_whole_seconds(epoch_ms(end) - epoch_ms(start))


def periods_cte(periods: Sequence[Period]) -> Any:
    values = sa.values(
        sa.column("d", sa.Integer),
        sa.column("s", UtcDateTime()),
        sa.column("e", UtcDateTime()),
        name="periods",
    ).data([(index, period.start, period.end) for index, period in enumerate(periods)])
    return values.cte("periods")


def dialect_of(session: Any) -> str:
    """The database's name ("sqlite", "postgresql") of a Session or a Connection."""
    bind = session.get_bind() if hasattr(session, "get_bind") else session
    return str(bind.dialect.name)
