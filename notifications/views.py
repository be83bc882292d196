"""JSON API of the SMS area: the texts of one incident (CONTRACT.md "Messages")."""

from __future__ import annotations

from flask_login import current_user

from core import deps
from core.api import ApiBlueprint, ListQuery
from core.audit import audit
from core.errors import NotFound
from core.extensions import db
from core.roles import EVERYONE, can_see_incident
from dispatch.models import Incident
from notifications.outbox import messages_for_incident, sender_label
from notifications.schemas import MessagesRead

api = ApiBlueprint("sms_api", __name__, url_prefix="/api/v1")


@api.op(
    "/incidents/<int:incident_id>/messages",
    "GET",
    roles=EVERYONE,
    query=ListQuery,
    response=MessagesRead,
    summary="Texts to and from the teams about one incident, newest first, with delivery status",
)
def incident_messages(incident_id: int, query: ListQuery) -> MessagesRead:
    incident = db.session.get(Incident, incident_id)
    if incident is None or not can_see_incident(current_user, incident):
        raise NotFound("No such incident.")  # a field user learns nothing of others' incidents
    found = messages_for_incident(
        session=db.session, incident_id=incident_id, sender=sender_label(deps.settings()), limit=query.limit
    )
    audit(session=db.session, user=current_user, action="view_messages", record_type="incident", record_id=incident_id)
    db.session.commit()
    return found
