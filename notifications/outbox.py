"""The outbox: SMS are rows written in the same transaction as the change that causes them.

Nothing here talks to a provider. `queue_sms` and `page_unit` add `OutboundMessage` rows (and a
`message.updated` event) to the caller's session; when that transaction commits, an SQLAlchemy
`after_commit` listener wakes the relay of this process (`sms_queued`), which sends them
(notifications/relay.py). A rolled-back change leaves no message behind.

What is texted when dispatch changes (the dispatch page, a stand-down) is decided by the event
handlers of notifications/reactions.py, which call `page_unit`.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from config import Settings
from core.clock import now
from core.events import record_event
from notifications import content
from notifications.links import field_url, make_field_token
from notifications.models import InboundMessage, OutboundMessage
from notifications.schemas import InboundMessageRead, MessagesRead, OutboundMessageRead

log = logging.getLogger(__name__)

# Twilio keeps an undelivered message at most this long (ValidityPeriod 1..36000 seconds).
TWILIO_MAX_VALIDITY_S = 36_000
PAGE_KINDS = ("dispatch", "repage", "checkin", "stand_down")

# Set after a commit that queued messages; the relay of this process waits on it.
sms_queued = threading.Event()


@sa_event.listens_for(Session, "after_commit")
def _wake_relay(session: Session) -> None:
    if session.info.pop("sms_queued", False):
        sms_queued.set()


@sa_event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("sms_queued", None)


def sender_label(settings: Settings) -> str:
    """The "from" of our texts as the messages list shows it."""
    return settings.twilio_from_number or settings.twilio_messaging_service_sid or "dispatch"


def record_message_event(*, session: Any, row: OutboundMessage | InboundMessage, sender: str = "") -> None:
    """The live `message.updated` event; `sender` is the "from" of an outbound text (`sender_label`)."""
    shown: OutboundMessageRead | InboundMessageRead
    if isinstance(row, InboundMessage):
        shown = InboundMessageRead.of(row)
    else:
        shown = OutboundMessageRead.of(row, sender=sender)
    record_event(session=session, type="message.updated", data=shown.model_dump(mode="json"), unit_id=row.unit_id)


def queue_sms(
    *,
    session: Any,
    to: str,
    body: str,
    kind: str,
    unit_id: int | None = None,
    incident_id: int | None = None,
    validity_period_s: int | None = None,
    sender: str = "dispatch",
) -> OutboundMessage:
    """Add one text to the outbox in the caller's transaction; it is sent after the commit.
    `sender` is how the message list names our number (`sender_label(settings)`)."""
    if validity_period_s is not None:
        validity_period_s = max(1, min(int(validity_period_s), TWILIO_MAX_VALIDITY_S))
    stamp = now()
    row = OutboundMessage(
        to=to,
        body=body,
        kind=kind,
        unit_id=unit_id,
        incident_id=incident_id,
        status="queued",
        attempts=0,
        next_attempt_at=stamp,
        validity_period_s=validity_period_s,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(row)
    session.flush()
    record_message_event(session=session, row=row, sender=sender)
    session.info["sms_queued"] = True
    return row


def field_link(*, incident_id: int, unit_id: int, settings: Settings) -> str:
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    token = make_field_token(secret_key=secret, incident_id=incident_id, unit_id=unit_id)
    return field_url(public_base_url=settings.public_base_url.rstrip("/"), token=token)


def incident_category(incident: Any) -> str:
    """The incident's short category and its flags ("weapon status unknown"), minimum only."""
    parts = [part.strip() for part in str(incident.category or "").split(",")]
    parts += [str(flag).strip() for flag in (incident.flags or [])]
    unique = list({part.lower(): part for part in reversed(parts) if part}.values())[::-1]
    return content.minimum_category(", ".join(unique))


def incident_address(incident: Any) -> str:
    if incident.address:
        return str(incident.address)
    if incident.lat is not None and incident.lon is not None:
        return f"{incident.lat:.5f},{incident.lon:.5f}"
    return "location by phone"


def dispatch_page(*, incident: Any, unit: Any, settings: Settings) -> content.DispatchPage:
    return content.DispatchPage(
        incident_number=str(incident.number),
        priority=str(incident.priority or ""),
        address=incident_address(incident),
        category=incident_category(incident),
        needs=content.dispatch_needs(youth=incident.needs_youth, language=incident.needs_language),
        callback=settings.sms_callback_number or settings.twilio_from_number or "",
        link=field_link(incident_id=int(incident.id), unit_id=int(unit.id), settings=settings),
    )


def page_text(*, kind: str, unit: Any, incident: Any, settings: Settings) -> tuple[str, int | None]:
    """The text of a page and how long it stays worth delivering (None: as long as Twilio keeps it)."""
    if kind == "dispatch":
        page = dispatch_page(incident=incident, unit=unit, settings=settings)
        return content.compose_dispatch(page), settings.ack_reassign_after_s
    if kind == "repage":
        page = dispatch_page(incident=incident, unit=unit, settings=settings)
        return content.compose_repage(page), settings.ack_reassign_after_s
    if kind == "checkin":
        return content.compose_checkin_request(incident_number=str(incident.number)), settings.checkin_interval_s
    if kind == "stand_down":
        return content.compose_stand_down(incident_number=str(incident.number)), None
    raise ValueError(f"unknown page kind {kind!r}")


def page_unit(
    *, session: Any, unit: Any, incident: Any, settings: Settings, kind: str = "dispatch"
) -> list[OutboundMessage]:
    """Queue one text per phone of the unit (a team shares the page)."""
    body, validity = page_text(kind=kind, unit=unit, incident=incident, settings=settings)
    phones = list(dict.fromkeys(phone.strip() for phone in (unit.phones or []) if phone and phone.strip()))
    if not phones:
        log.warning("unit %s has no phone: %s page not queued", unit.id, kind)
    return [
        queue_sms(
            session=session,
            to=phone,
            body=body,
            kind=kind,
            unit_id=int(unit.id),
            incident_id=int(incident.id),
            validity_period_s=validity,
            sender=sender_label(settings),
        )
        for phone in phones
    ]


def messages_for_incident(*, session: Any, incident_id: int, sender: str, limit: int = 200) -> MessagesRead:
    """Every text to and from the teams about one incident, newest first."""
    out = session.scalars(
        sa.select(OutboundMessage).where(OutboundMessage.incident_id == incident_id).order_by(OutboundMessage.id)
    ).all()
    inbound = session.scalars(
        sa.select(InboundMessage).where(InboundMessage.incident_id == incident_id).order_by(InboundMessage.id)
    ).all()
    rows: list[OutboundMessageRead | InboundMessageRead] = [OutboundMessageRead.of(row, sender=sender) for row in out]
    rows += [InboundMessageRead.of(row) for row in inbound]
    rows.sort(key=lambda item: (item.at, item.direction == "in", item.id), reverse=True)
    return MessagesRead(rows[:limit])


def expired(row: OutboundMessage) -> bool:
    """A page past its validity period is not worth sending any more."""
    if row.validity_period_s is None:
        return False
    return now() >= row.created_at + timedelta(seconds=row.validity_period_s)
