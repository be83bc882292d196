"""Reading the audit trail (admins and supervisors)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user
from pydantic import Field

from core.api import ApiBlueprint, ListQuery
from core.audit import audit
from core.extensions import db
from core.models import AuditEntry
from core.roles import AUDITORS
from core.schemas import AuditEntryRead

api = ApiBlueprint("audit_api", __name__, url_prefix="/api/v1")


class AuditQuery(ListQuery):
    record_type: str | None = Field(default=None, max_length=40)
    record_id: str | None = Field(default=None, max_length=64)


@api.op(
    "/audit",
    "GET",
    roles=AUDITORS,
    query=AuditQuery,
    response=list[AuditEntryRead],
    summary="The audit trail, newest first",
)
def list_audit(*, query: AuditQuery) -> list[AuditEntryRead]:
    statement = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(query.limit)
    if query.record_type:
        statement = statement.where(AuditEntry.record_type == query.record_type)
    if query.record_id:
        statement = statement.where(AuditEntry.record_id == query.record_id)
    body = [AuditEntryRead.model_validate(entry) for entry in db.session.scalars(statement)]
    # Reading the trail is itself audited, after the read (so the entry is not in its own answer).
    audit(
        session=db.session,
        user=current_user,
        action="view",
        record_type="audit_list",
        detail={"record_type": query.record_type, "record_id": query.record_id, "entries": len(body)},
    )
    db.session.commit()
    return body
