"""JSON API of the SMS area: the texts of one incident (CONTRACT.md "Messages")."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from core import deps
from core.api import ApiBlueprint, QueryModel
from core.audit import audit
from core.errors import NotFound
from core.extensions import db
from dispatch.models import Incident
from notifications.outbox import messages_for_incident, sender_label

api = ApiBlueprint("sms_api", __name__, url_prefix="/api/v1")

STAFF = frozenset({"operator", "dispatcher", "supervisor", "admin"})


class MessagesQuery(QueryModel):
    limit: int = 50


@api.op(
    "/incidents/<int:incident_id>/messages",
    "GET",
    roles=STAFF | {"field"},
    query=MessagesQuery,
    summary="Texts to and from the teams about one incident, newest first, with delivery status",
)
def incident_messages(incident_id: int, query: MessagesQuery) -> Any:
    incident = db.session.get(Incident, incident_id)
    own = current_user.unit_id is not None and incident is not None and incident.unit_id == current_user.unit_id
    if incident is None or not (current_user.has_any_role(STAFF) or own):
        raise NotFound("No such incident.")  # a field user learns nothing of others' incidents
    limit = max(1, min(int(query.limit), 500))
    found = messages_for_incident(
        session=db.session, incident_id=incident_id, sender=sender_label(deps.settings()), limit=limit
    )
    audit(session=db.session, user=current_user, action="view_messages", record_type="incident", record_id=incident_id)
    db.session.commit()
    return found
