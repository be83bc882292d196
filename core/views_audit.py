"""Reading the audit trail (admins and supervisors)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic import Field

from core.api import ApiBlueprint, QueryModel
from core.extensions import db
from core.models import AuditEntry
from core.roles import AUDITORS

api = ApiBlueprint("audit_api", __name__, url_prefix="/api/v1")


class AuditQuery(QueryModel):
    record_type: str | None = Field(default=None, max_length=40)
    record_id: str | None = Field(default=None, max_length=64)
    limit: int = Field(default=50, ge=1, le=500)


def audit_entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "user_id": entry.user_id,
        "actor": entry.actor,
        "action": entry.action,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "client_address": entry.client_address,
        "detail": entry.detail,
    }


@api.op("/audit", "GET", roles=AUDITORS, query=AuditQuery, summary="The audit trail, newest first")
def list_audit(*, query: AuditQuery) -> Any:
    statement = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(query.limit)
    if query.record_type:
        statement = statement.where(AuditEntry.record_type == query.record_type)
    if query.record_id:
        statement = statement.where(AuditEntry.record_id == query.record_id)
    return [audit_entry_json(entry) for entry in db.session.scalars(statement)]
