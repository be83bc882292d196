"""Reading and searching the audit trail (admins and supervisors); the CSV export.

Filters (core/audit_search.py): `user` (id or name), `record_type`, `record_id`, `action`,
`from`, `to`. Reading the trail and exporting it are themselves audit entries."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, stream_with_context
from flask_login import current_user
from pydantic import ConfigDict, Field

from core import deps
from core.api import ApiBlueprint, ListQuery, QueryModel
from core.audit import audit
from core.audit_search import AuditFilters, csv_lines, make_filters, search
from core.extensions import db
from core.roles import AUDITORS
from core.schemas import AuditEntryRead

api = ApiBlueprint("audit_api", __name__, url_prefix="/api/v1")

CSV_LIMIT_DEFAULT = 10_000
CSV_LIMIT_MAX = 50_000


class AuditFilterFields(QueryModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    user: str | None = Field(default=None, max_length=80, description="a user id, or who acted (a username)")
    record_type: str | None = Field(default=None, max_length=40)
    record_id: str | None = Field(default=None, max_length=64)
    action: str | None = Field(default=None, max_length=40, description="e.g. view, user.update, report.export")
    from_: str | None = Field(
        default=None, alias="from", max_length=40, description="ISO 8601; a plain date is that local day's start"
    )
    to: str | None = Field(
        default=None, max_length=40, description="ISO 8601; a plain date takes in the whole of that local day"
    )

    def filters(self) -> AuditFilters:
        return make_filters(
            user=self.user,
            record_type=self.record_type,
            record_id=self.record_id,
            action=self.action,
            start=self.from_,
            end=self.to,
            zone=ZoneInfo(deps.settings().timezone),
        )


class AuditQuery(ListQuery, AuditFilterFields):
    pass


class AuditCsvQuery(AuditFilterFields):
    limit: int = Field(default=CSV_LIMIT_DEFAULT, ge=1, le=CSV_LIMIT_MAX, description="the newest entries first")


@api.op(
    "/audit",
    "GET",
    roles=AUDITORS,
    query=AuditQuery,
    response=list[AuditEntryRead],
    summary="The audit trail, newest first, searchable by user, record, action and time",
)
def list_audit(*, query: AuditQuery) -> list[AuditEntryRead]:
    filters = query.filters()
    body = [
        AuditEntryRead.model_validate(entry) for entry in search(session=db.session, filters=filters, limit=query.limit)
    ]
    # Reading the trail is itself audited, after the read (so the entry is not in its own answer).
    audit(
        session=db.session,
        user=current_user,
        action="view",
        record_type="audit_list",
        detail={**_described(filters), "entries": len(body)},
    )
    db.session.commit()
    return body


def _described(filters: AuditFilters) -> dict[str, Any]:
    return {key: value for key, value in filters.described().items() if value is not None}


@api.op(
    "/audit.csv",
    "GET",
    roles=AUDITORS,
    query=AuditCsvQuery,
    response=None,
    media_type="text/csv",
    summary="text/csv: the audit trail entries the same filters find, newest first (the export is audited)",
)
def export_audit(*, query: AuditCsvQuery) -> Response:
    filters = query.filters()
    audit(
        session=db.session,
        user=current_user,
        action="audit.export",
        record_type="audit_list",
        detail={**_described(filters), "limit": query.limit},
    )
    db.session.commit()  # the export is on the trail before its first byte leaves

    def generate() -> Any:
        try:
            yield from csv_lines(session=db.session, filters=filters, limit=query.limit)
        finally:
            db.session.rollback()

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
