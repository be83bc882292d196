"""The incidents CSV (CONTRACT "Reports"): one row per incident of the calls received in the period,
oldest call first. No names, phones, narrative or addresses: the incident number is the way back
to the record, for those allowed to open it.

Times are ISO 8601 in TIMEZONE with their offset (2026-11-30T23:30:00-05:00): a spreadsheet shows
the local time the shift knows, and the offset keeps the moment exact. `dispatched_at` is the
first dispatch (as in the figures); the interval columns are whole seconds, empty when the
incident never got that far. A text cell that a spreadsheet would run as a formula (=, +, -, @,
tab, carriage return first) is written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from dispatch.models import Assignment, Incident
from facilities.models import Facility
from reports.figures import Filters
from reports.periods import Period
from reports.sql import dialect_of, periods_cte, whole_seconds
from triage.models import Call

COLUMNS = (
    "number",
    "priority",
    "disposition",
    "area",
    "received_at",
    "dispatched_at",
    "acknowledged_at",
    "en_route_at",
    "on_scene_at",
    "cleared_at",
    "outcome",
    "police_present",
    "facility",
    "answer_to_dispatch_s",
    "response_s",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1000

FACILITIES = Facility.__table__
CALLS = Call.__table__
INCIDENTS = Incident.__table__
ASSIGNMENTS = Assignment.__table__


def with_first_dispatch(source: Any, dialect: str) -> tuple[Any, Any]:
    """`source` (which joins the incidents) and the column of each incident's first dispatch,
    `min(assignments.assigned_at)` (a requeue clears `incidents.dispatched_at`; the assignment
    rows keep every dispatch): a correlated subquery on SQLite (an index seek per incident); a
    LATERAL join on PostgreSQL, whose plan for the same subquery in the select list took ~1 s
    more over 30 days of 100,000 calls."""
    first = sa.select(sa.func.min(ASSIGNMENTS.c.assigned_at).label("first_dispatch")).where(
        ASSIGNMENTS.c.incident_id == INCIDENTS.c.id
    )
    if dialect == "postgresql":
        lateral = first.lateral("first_dispatches")
        return source.outerjoin(lateral, sa.true()), lateral.c.first_dispatch
    return source, first.scalar_subquery()


def calls_in(periods: Any) -> Any:
    return periods.join(CALLS, sa.and_(CALLS.c.received_at >= periods.c.s, CALLS.c.received_at < periods.c.e))


def filtered(statement: Any, filters: Filters) -> Any:
    """`priority` is the call's (its incident's is copied from it), `area` the incident's."""
    if filters.priority is not None:
        statement = statement.where(CALLS.c.priority == filters.priority)
    if filters.area is not None:
        statement = statement.where(INCIDENTS.c.area == filters.area)
    return statement


def _statement(period: Period, filters: Filters, dialect: str) -> Any:
    p = periods_cte([period])
    source, first_dispatch = with_first_dispatch(
        calls_in(p).join(INCIDENTS, INCIDENTS.c.call_id == CALLS.c.id), dialect
    )
    return filtered(
        sa.select(
            INCIDENTS.c.number,
            INCIDENTS.c.priority,
            INCIDENTS.c.disposition,
            INCIDENTS.c.area,
            CALLS.c.received_at,
            first_dispatch.label("dispatched_at"),
            INCIDENTS.c.acknowledged_at,
            INCIDENTS.c.en_route_at,
            INCIDENTS.c.on_scene_at,
            INCIDENTS.c.cleared_at,
            INCIDENTS.c.outcome,
            INCIDENTS.c.police_present,
            FACILITIES.c.name.label("facility"),
            whole_seconds(CALLS.c.received_at, first_dispatch).label("answer_to_dispatch_s"),
            whole_seconds(CALLS.c.received_at, INCIDENTS.c.on_scene_at).label("response_s"),
        )
        .select_from(source.outerjoin(FACILITIES, FACILITIES.c.id == INCIDENTS.c.facility_id))
        .order_by(CALLS.c.received_at, INCIDENTS.c.id),
        filters,
    )


def count_rows(*, session: Any, period: Period, filters: Filters) -> int:
    p = periods_cte([period])
    statement = filtered(
        sa.select(sa.func.count()).select_from(calls_in(p).join(INCIDENTS, INCIDENTS.c.call_id == CALLS.c.id)), filters
    )
    return int(session.execute(statement).scalar_one())


def safe_cell(value: Any, zone: ZoneInfo) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(*, session: Any, period: Period, filters: Filters, zone: ZoneInfo) -> Iterator[str]:
    """The CSV text, header first, a batch of rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    result = session.execute(_statement(period, filters, dialect_of(session)).execution_options(yield_per=BATCH))
    for batch in result.partitions(BATCH):
        for row in batch:
            writer.writerow([safe_cell(value, zone) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
