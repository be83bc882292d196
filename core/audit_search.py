"""Searching the audit trail (GET /api/v1/audit and /api/v1/audit.csv): who saw or changed which
record, when. Pure: no Flask.

Filters, all optional, every one given must hold:
* `user`: a user id (digits) or a name, compared without case with who acted (`actor`: the
  username of a person, or a system actor such as "cli:set-password" or "sms:MCT-2");
* `record_type`, `record_id`, `action`: exact;
* `from` / `to`: ISO 8601. A plain date is a local day in TIMEZONE: `from=2026-12-01` starts at
  that day's local midnight and `to=2026-12-01` takes in the whole of that day (an auditor asking
  "from the 1st to the 1st" means the 1st). A date-time needs its offset; `to` is then exclusive.

The CSV is CSV-injection safe: a cell a spreadsheet would run as a formula (=, +, -, @, tab,
carriage return first) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from core.errors import DomainError
from core.models import AuditEntry
from core.moments import read_moment

EXAMPLE = "e.g. 2026-12-01 (a local day) or 2026-12-01T08:00:00-05:00"
CSV_COLUMNS = ("id", "at", "actor", "user_id", "action", "record_type", "record_id", "client_address", "detail")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_BATCH = 1000


@dataclass(frozen=True, slots=True)
class AuditFilters:
    user: str | None = None
    record_type: str | None = None
    record_id: str | None = None
    action: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def described(self) -> dict[str, Any]:
        """The filters as an audit entry's detail (the search itself is audited)."""
        return {
            "user": self.user,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "action": self.action,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }


def parse_moment(value: str | None, *, field: str, zone: ZoneInfo, end: bool) -> datetime | None:
    """One end of the search window as an aware UTC datetime (None for none); DomainError naming
    `field`. A plain date is its local midnight, or (`end`) the next one."""
    text = (value or "").strip()
    if not text:
        return None
    return read_moment(text, field=field, zone=zone, example=EXAMPLE, next_day=end)


def make_filters(
    *,
    user: str | None,
    record_type: str | None,
    record_id: str | None,
    action: str | None,
    start: str | None,
    end: str | None,
    zone: ZoneInfo,
) -> AuditFilters:
    filters = AuditFilters(
        user=(user or "").strip() or None,
        record_type=record_type or None,
        record_id=record_id or None,
        action=action or None,
        start=parse_moment(start, field="from", zone=zone, end=False),
        end=parse_moment(end, field="to", zone=zone, end=True),
    )
    if filters.start and filters.end and filters.start >= filters.end:
        raise DomainError("`from` must be before `to`.", fields={"to": "must be after from"})
    return filters


def search_statement(filters: AuditFilters) -> Any:
    """The entries that match, newest first."""
    statement = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    if filters.user:
        if filters.user.isdigit():
            statement = statement.where(AuditEntry.user_id == int(filters.user))
        else:
            statement = statement.where(sa.func.lower(AuditEntry.actor) == filters.user.lower())
    if filters.record_type:
        statement = statement.where(AuditEntry.record_type == filters.record_type)
    if filters.record_id:
        statement = statement.where(AuditEntry.record_id == filters.record_id)
    if filters.action:
        statement = statement.where(AuditEntry.action == filters.action)
    if filters.start:
        statement = statement.where(AuditEntry.at >= filters.start)
    if filters.end:
        statement = statement.where(AuditEntry.at < filters.end)
    return statement


def search(*, session: Any, filters: AuditFilters, limit: int) -> list[AuditEntry]:
    return list(session.scalars(search_statement(filters).limit(limit)))


def safe_cell(value: Any) -> str:
    """A CSV cell that no spreadsheet runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value, sort_keys=True)
        if isinstance(value, dict)
        else str(value)
    )
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(*, session: Any, filters: AuditFilters, limit: int) -> Iterator[str]:
    """The header, then one line per matching entry (newest first), read in batches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    statement = search_statement(filters).limit(limit).execution_options(yield_per=CSV_BATCH)
    for entry in session.scalars(statement):
        writer.writerow([safe_cell(getattr(entry, column)) for column in CSV_COLUMNS])
        yield flush()
