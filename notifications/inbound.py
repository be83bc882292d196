"""Texts from field teams: reply codes become the same service calls the dispatcher's buttons make.

`handle_inbound` runs in the caller's transaction (the webhook view commits). A repeated
`MessageSid` acts once: the row's unique SID is inserted first, in a savepoint; a duplicate gets
the first answer back and changes nothing. A number that belongs to no unit learns nothing (a
generic answer, logged with the number masked). STOP is recorded as an opt-out and not answered
(Twilio answers STOP itself).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from alerts.service import raise_alert
from config import Settings
from core.actors import Actor
from core.audit import audit
from core.bus import MessageBus
from core.clock import now
from core.errors import DomainError
from core.roles import Role
from dispatch import service as incidents
from dispatch.models import Incident
from dispatch.states import IllegalTransition, IncidentStatus, outcomes_for
from dispatch.units import unit_for_phone
from notifications import content
from notifications.models import InboundMessage, OptOut
from notifications.outbox import field_link, record_message_event
from notifications.replies import ReplyCommand, parse_reply
from notifications.senders import mask_phone
from timers.service import checkin_received

log = logging.getLogger(__name__)

_MOVES = {
    ReplyCommand.ACKNOWLEDGE: IncidentStatus.ACKNOWLEDGED,
    ReplyCommand.EN_ROUTE: IncidentStatus.EN_ROUTE,
    ReplyCommand.ON_SCENE: IncidentStatus.ON_SCENE,
    ReplyCommand.CLEAR: IncidentStatus.CLEARED,
}
# Words a team may put after "4"/"CLR" to say how the encounter ended.
OUTCOME_WORDS = {
    "STABILIZED": "stabilized_on_scene",
    "STABLE": "stabilized_on_scene",
    "DECLINED": "declined_services",
    "REFUSED": "declined_services",
    "REFERRED": "referred_outpatient",
    "REFERRAL": "referred_outpatient",
    "FACILITY": "transported_crisis_facility",
    "CRISIS": "transported_crisis_facility",
    "HOSPITAL": "transported_hospital_voluntary",
    "HOLD": "involuntary_hold",
    "INVOLUNTARY": "involuntary_hold",
    "EMS": "handed_to_ems",
    "POLICE": "handed_to_police",
    "UNABLE": "unable_to_locate",
    "UTL": "unable_to_locate",
    "CANCELLED": "cancelled_before_arrival",
    "CANCELED": "cancelled_before_arrival",
}


@dataclass(frozen=True)
class InboundOutcome:
    reply: str | None
    repeated: bool = False
    result: str = ""


def outcome_from_words(argument: str | None) -> str | None:
    for word in (argument or "").upper().replace(",", " ").split():
        if word in OUTCOME_WORDS:
            return OUTCOME_WORDS[word]
        if word.lower() in set(OUTCOME_WORDS.values()):
            return word.lower()
    return None


def handle_inbound(
    *,
    session: Any,
    bus: MessageBus,
    message_sid: str,
    from_number: str,
    to_number: str,
    body: str,
) -> InboundOutcome:
    try:
        with session.begin_nested():
            row = InboundMessage(
                message_sid=message_sid, from_number=from_number, to_number=to_number, body=body, received_at=now()
            )
            session.add(row)
            session.flush()
    except IntegrityError:
        first = session.scalars(sa.select(InboundMessage).where(InboundMessage.message_sid == message_sid)).one()
        log.info("inbound SMS %s seen before; not acted on again", message_sid)
        return InboundOutcome(reply=first.reply, repeated=True, result=first.result or "")

    reply = parse_reply(body)
    row.command = reply.command.value
    if reply.command is ReplyCommand.OPT_OUT:
        if session.get(OptOut, from_number) is None:
            session.add(OptOut(phone=from_number, opted_out_at=now()))
        return _done(session, row, None, "opted_out")
    if reply.command is ReplyCommand.OPT_IN:
        found = session.get(OptOut, from_number)
        if found is not None:
            session.delete(found)
        return _done(session, row, None, "opted_in")

    unit = unit_for_phone(session=session, phone=from_number)
    if unit is None:
        log.warning("SMS from %s, a number that belongs to no unit", mask_phone(from_number))
        return _done(session, row, content.compose_not_registered(), "unknown_number")
    row.unit_id = unit.id
    incident = _current_incident(session, unit)
    row.incident_id = incident.id if incident is not None else None
    text, result = _act(session, bus, reply.command, reply.argument, unit, incident)
    return _done(session, row, text, result)


def _done(session: Any, row: InboundMessage, text: str | None, result: str) -> InboundOutcome:
    row.reply = text
    row.result = result
    row.handled_at = now()
    session.flush()
    record_message_event(session=session, row=row)
    return InboundOutcome(reply=text, result=result)


def _current_incident(session: Any, unit: Any) -> Any:
    if unit.incident_id is None:
        return None
    return session.get(Incident, unit.incident_id)


def _act(
    session: Any,
    bus: MessageBus,
    command: ReplyCommand,
    argument: str | None,
    unit: Any,
    incident: Any,
) -> tuple[str, str]:
    number = incident.number if incident is not None else None
    by = Actor.system(f"sms:{unit.call_sign}")
    if command in {ReplyCommand.HELP, ReplyCommand.UNKNOWN}:
        return content.compose_codes_help(not_understood=command is ReplyCommand.UNKNOWN), command.value
    if command is ReplyCommand.STATUS:  # the answer names the incident and its address: a view
        audit(session=session, user=None, action="sms_status", actor=by.name,
              record_type="incident" if incident is not None else "unit",
              record_id=incident.id if incident is not None else unit.id, detail={"unit_id": unit.id})  # fmt: skip
        return _status_answer(unit, incident, bus.settings), "status"
    if command is ReplyCommand.DURESS:
        _duress(session, unit, incident)
        return content.compose_reply_confirmation(call_sign=unit.call_sign, command=command, incident_number=number), (
            "duress_alert"
        )
    if incident is None:
        return content.compose_status_answer(call_sign=unit.call_sign, unit_status=unit.status), "no_assignment"
    if command is ReplyCommand.CHECK_IN:
        _check_in(session, unit, bus.settings)
        audit(session=session, user=None, action="sms_check_in", record_type="incident", record_id=incident.id,
              actor=by.name, detail={"unit_id": unit.id})  # fmt: skip
        return content.compose_reply_confirmation(call_sign=unit.call_sign, command=command, incident_number=number), (
            "checked_in"
        )
    try:
        if command is ReplyCommand.DECLINE:
            reason = argument or "declined by SMS"
            incidents.return_to_queue(session=session, incident_id=incident.id, reason=reason, by=by, bus=bus)
        else:
            target = _MOVES[command]
            if incident.status == target:  # a repeated code: confirm again, change nothing
                return content.compose_reply_confirmation(
                    call_sign=unit.call_sign, command=command, incident_number=number
                ), "already"
            outcome = None
            if command is ReplyCommand.CLEAR and outcome_from_words(argument) is not None:
                # "4 <outcome word>" names the outcome; "4" alone or with other words ("4 all good")
                # clears without one, and the answer links to the page that records it.
                outcome = _clear_outcome(incident, argument)
                if outcome is None:
                    return _needs_outcome(incident), "needs_outcome"
            incidents.move_incident(
                session=session, incident_id=incident.id, status=target, by=by, outcome=outcome, note="by SMS", bus=bus
            )
    except (DomainError, IllegalTransition) as error:
        log.info("SMS %s from %s refused: %s", command.value, unit.call_sign, error)
        return content.compose_cannot_now(
            call_sign=unit.call_sign, command=command, incident_number=number, status=str(incident.status)
        ), "refused"
    audit(session=session, user=None, action=f"sms_{command.value}", record_type="incident", record_id=incident.id,
          actor=by.name)  # fmt: skip
    if command is ReplyCommand.CLEAR and incident.outcome is None:
        # Cleared without an outcome: the answer carries the link where the team records it.
        link = field_link(incident_id=incident.id, unit_id=unit.id, settings=bus.settings)
        text = content.compose_clear_without_outcome(call_sign=unit.call_sign, incident_number=number or "", link=link)
        return text, command.value
    return content.compose_reply_confirmation(call_sign=unit.call_sign, command=command, incident_number=number), (
        command.value
    )


def _clear_outcome(incident: Any, argument: str | None) -> str | None:
    allowed = {outcome.value for outcome in outcomes_for(IncidentStatus(incident.status))}
    wanted = outcome_from_words(argument)
    return wanted if wanted in allowed else None


def _needs_outcome(incident: Any) -> str:
    allowed = {outcome.value for outcome in outcomes_for(IncidentStatus(incident.status))}
    words = [word for word, value in OUTCOME_WORDS.items() if value in allowed]
    unique = list(dict.fromkeys(words))
    return content.compose_clear_needs_outcome(incident_number=incident.number, choices=unique)


def _status_answer(unit: Any, incident: Any, settings: Settings) -> str:
    if incident is None:
        return content.compose_status_answer(call_sign=unit.call_sign, unit_status=unit.status)
    return content.compose_status_answer(
        call_sign=unit.call_sign,
        unit_status=unit.status,
        incident_number=incident.number,
        priority=incident.priority,
        address=incident.address,
        link=field_link(incident_id=incident.id, unit_id=unit.id, settings=settings),
    )


def _duress(session: Any, unit: Any, incident: Any) -> None:
    where = f" Last position {unit.lat:.5f},{unit.lon:.5f}." if unit.lat is not None and unit.lon is not None else ""
    raise_alert(
        session=session,
        kind="duress",
        severity="critical",
        audience=Role.SUPERVISOR.value,
        message=f"{unit.call_sign} texted SOS (duress): send help now.{where}",
        incident_id=incident.id if incident is not None else None,
        unit_id=unit.id,
        data={
            "lat": unit.lat,
            "lon": unit.lon,
            "location_at": unit.location_at.isoformat() if unit.location_at else None,
        },
    )


def _check_in(session: Any, unit: Any, settings: Settings) -> None:
    """The same check-in the timers expect: clears a missed check-in and starts the next wait."""
    checkin_received(session=session, unit_id=unit.id, at=now(), interval_s=settings.checkin_interval_s)
