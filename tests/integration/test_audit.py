"""The audit trail is append-only, in the database itself."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from core.audit import audit
from core.extensions import db
from core.models import AuditEntry, User


def test_audit_records_who_what_which_and_where(app, api):
    admin = api.as_role("admin")
    with app.test_request_context("/api/v1/calls/7", environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        user = db.session.scalars(sa.select(User)).first()
        user.is_authenticated  # noqa: B018
        audit(session=db.session, user=user, action="view", record_type="call", record_id=7)
        db.session.commit()
    rows = admin.get("/api/v1/audit?record_type=call&record_id=7").get_json()
    assert len(rows) == 1
    assert rows[0]["action"] == "view" and rows[0]["client_address"] == "10.1.2.3"
    assert rows[0]["user_id"] is not None and rows[0]["at"]


@pytest.mark.parametrize("change", ["update", "delete"])
def test_audit_rows_cannot_be_changed_or_removed(app, change):
    with app.app_context():
        audit(session=db.session, user=None, actor="scheduler", action="view", record_type="call", record_id=1)
        db.session.commit()
        statement = sa.update(AuditEntry).values(action="edited") if change == "update" else sa.delete(AuditEntry)
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(statement)
            db.session.flush()
        db.session.rollback()
