"""The reports API (CONTRACT "Reports"): the summary, the daily report and the incidents CSV.

The figures are read in a read-only transaction (core.db READS_ONLY): on SQLite it takes no
writer lock, so a month's report never makes a dispatcher's assignment wait.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, stream_with_context
from flask_login import current_user

from core import deps
from core.api import ApiBlueprint
from core.audit import audit
from core.db import READS_ONLY, end_reads
from core.extensions import db
from core.ports import current_ports
from core.roles import REPORT_READERS
from reports import export, service
from reports.figures import Filters
from reports.periods import Period, parse_period
from reports.schemas import DailyQuery, DayRead, ReportQuery, SummaryRead

api = ApiBlueprint("reports_api", __name__, url_prefix="/api/v1")


def _zone() -> ZoneInfo:
    return ZoneInfo(deps.settings().timezone)


def _asked(query: ReportQuery | DailyQuery) -> tuple[Period, Filters]:
    period = parse_period(query.from_, query.to, zone=_zone())
    filters = service.report_filters(
        priority=query.priority,
        area=query.area,
        areas=current_ports().areas,
        targets=service.arrival_targets(deps.settings()),
    )
    return period, filters


def _reader() -> Any:
    """A read-only transaction of this request's session (the sign-in's reads ended first)."""
    end_reads(db.session)
    return db.session.connection(execution_options={READS_ONLY: True})


@api.op(
    "/reports/summary",
    "GET",
    roles=REPORT_READERS,
    query=ReportQuery,
    response=SummaryRead,
    summary="The figures of the calls received in [from, to) and their incidents",
)
def report_summary(*, query: ReportQuery) -> SummaryRead:
    period, filters = _asked(query)
    try:
        return service.summary(session=_reader(), period=period, filters=filters)
    finally:
        db.session.rollback()


@api.op(
    "/reports/daily",
    "GET",
    roles=REPORT_READERS,
    query=DailyQuery,
    response=list[DayRead],
    summary="One summary per local day (TIMEZONE) of [from, to), oldest first",
)
def report_daily(*, query: DailyQuery) -> list[DayRead]:
    period, filters = _asked(query)
    try:
        return service.daily(session=_reader(), period=period, zone=_zone(), filters=filters, limit=query.limit)
    finally:
        db.session.rollback()


@api.op(
    "/reports/incidents.csv",
    "GET",
    roles=REPORT_READERS,
    query=ReportQuery,
    response=None,
    media_type="text/csv",
    summary="text/csv: one row per incident of the calls received in [from, to); no names, phones or narrative",
)
def report_incidents_csv(*, query: ReportQuery) -> Response:
    period, filters = _asked(query)
    zone = _zone()
    rows = export.count_rows(session=db.session, period=period, filters=filters)
    audit(
        session=db.session,
        user=current_user,
        action="report.export",
        record_type="report",
        record_id="incidents.csv",
        detail={
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "priority": filters.priority,
            "area": filters.area,
            "rows": rows,
        },
    )
    db.session.commit()  # the export is on the audit trail before its first byte leaves

    def generate() -> Any:
        try:
            yield from export.csv_lines(session=_reader(), period=period, filters=filters, zone=zone)
        finally:
            db.session.rollback()

    name = f"incidents_{period.start.astimezone(zone):%Y%m%d}-{period.end.astimezone(zone):%Y%m%d}.csv"
    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
