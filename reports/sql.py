"""SQL pieces the report queries share, for SQLite and PostgreSQL alike.

* `whole_seconds(start, end)`: the interval between two timestamp columns, in whole seconds
  (halves away from zero). SQLite keeps UTC times as text ("2026-11-30 23:30:00.000000", see
  core.db.UtcDateTime): julianday() difference * 86400, rounded to the millisecond first (the
  double carries ~20 µs of noise at today's julian day numbers) and then to the second.
  PostgreSQL: EXTRACT(EPOCH FROM end - start), an exact numeric, rounded.
* `periods_cte(periods)`: the periods a report groups by, as a `VALUES` table `(d, s, e)`: one
  row for a summary, one per local day for the daily report. Calls join it on
  `s <= received_at < e`, which the index on `calls.received_at` answers day by day.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from core.db import UtcDateTime
from reports.periods import Period


class whole_seconds(FunctionElement[int]):
    type = sa.Integer()
    inherit_cache = True
    name = "whole_seconds"


@compiles(whole_seconds, "sqlite")
def _sqlite_seconds(element: whole_seconds, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(round(round((julianday({end}) - julianday({start})) * 86400.0, 3)) AS INTEGER)"


@compiles(whole_seconds, "postgresql")
def _postgresql_seconds(element: whole_seconds, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(round(EXTRACT(EPOCH FROM ({end} - {start}))) AS BIGINT)"


def periods_cte(periods: Sequence[Period]) -> Any:
    values = sa.values(
        sa.column("d", sa.Integer),
        sa.column("s", UtcDateTime()),
        sa.column("e", UtcDateTime()),
        name="periods",
    ).data([(index, period.start, period.end) for index, period in enumerate(periods)])
    return values.cte("periods")
