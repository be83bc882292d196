"""The timeline of an incident: everything that happened to it and its call, oldest first.

Built from the rows each part keeps (nothing is copied into a log of its own): the call (when it
was answered, its triage, its 911 transfer), the call's amendments, the incident's moves and
assignments, its notes, the texts to and from its team, its alerts and its outcome. A move
entered after the fact stands at the time it happened (its `at`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from alerts.models import Alert
from core.actors import team_of
from core.models import AuditEntry, User
from dispatch.models import Assignment, Incident, IncidentMove, IncidentNote, Unit
from dispatch.schemas import NoteAuthorRead, TimelineEntryRead
from facilities.models import Facility
from notifications.models import InboundMessage, OutboundMessage
from triage.models import Call, CallAmendment
from triage.questionnaire import DISPOSITION_LABELS

# Entries at the same instant read in the order things happen.
KIND_ORDER = {
    kind: i
    for i, kind in enumerate(
        ("call", "triage", "transfer", "amendment", "status", "assignment", "message", "alert", "note", "outcome")
    )
}
# Amended fields a field user does not read when FIELD_SEES_NARRATIVE=0.
HIDDEN_CHANGES = frozenset({"narrative", "caller.phone"})
MESSAGE_KINDS = {
    "dispatch": "Dispatch text",
    "repage": "Page again",
    "checkin": "Check-in request",
    "stand_down": "Stand-down text",
    "notice": "Text",
}
# An inbound text with one of these results moved the incident: it reads in that status entry.
MOVING_REPLIES = frozenset({"acknowledge", "en_route", "on_scene", "clear", "decline"})
STATUS_WORDS = {
    "acknowledged": "acknowledged",
    "en_route": "en route",
    "on_scene": "on scene",
    "transporting": "transporting",
    "at_facility": "at the facility",
}


@dataclass
class _Entry:
    at: datetime
    kind: str
    text: str
    user_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None  # who, when not a user: "field:MCT-2", "sms:MCT-2", "timer"
    until: datetime | None = None  # an inbound text: when it was handled (what it moved, it moved by then)
    seq: int = 0


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _words(value: str | None) -> str:
    return (value or "").replace("_", " ")


def _disposition(value: str | None) -> str:
    """'co_response' -> 'co-response (team with police)': the words every page uses."""
    return DISPOSITION_LABELS.get(value or "", _words(value))


def _how(actor: str, note: str | None) -> str:
    """How a move was made, for a person: by SMS, on the field page, by the timer."""
    if actor.startswith("sms:"):
        return " by SMS"
    if note == "field page":
        return " on the field page"
    if actor == "timer":
        return " by the timer"
    return ""


def _by(entry: _Entry, names: dict[int, str]) -> NoteAuthorRead | None:
    """A user by id and name; a team (on the field page or by SMS) by its call sign, id null."""
    if entry.user_id is not None:
        return NoteAuthorRead(id=entry.user_id, username=names.get(entry.user_id, "?"))
    team = team_of(entry.actor)
    return NoteAuthorRead(id=None, username=team) if team else None


def timeline_for(
    session: Any, incident: Incident, *, viewer: Any, hide_narrative: bool = False
) -> list[TimelineEntryRead]:
    """The incident's timeline, oldest first. `hide_narrative`: the viewer is a field user under
    FIELD_SEES_NARRATIVE=0 (amendments then leave out the narrative and the phone)."""
    entries: list[_Entry] = []
    call = session.get(Call, incident.call_id) if incident.call_id is not None else None
    if call is not None:
        entries += _call_entries(session, call, hide_narrative=hide_narrative)
    assignments = list(
        session.scalars(sa.select(Assignment).where(Assignment.incident_id == incident.id).order_by(Assignment.id))
    )
    signs = _call_signs(session, {a.unit_id for a in assignments})
    entries += _assignment_entries(assignments, signs)
    entries += _move_entries(session, incident, assignments, signs)
    entries += _note_entries(session, incident)
    entries += _message_entries(session, incident, signs)
    entries = _fold_replies(entries)
    entries += _alert_entries(session, incident)
    if incident.outcome is not None:
        police = {True: "police present", False: "no police present", None: "police presence not recorded"}
        entries.append(
            _Entry(
                at=incident.outcome_recorded_at or incident.cleared_at or incident.created_at,
                kind="outcome",
                text=f"Outcome: {_words(incident.outcome)}; {police[incident.police_present]}",
                user_id=incident.outcome_by,
                actor=None if incident.outcome_by is not None else _outcome_actor(session, incident),
                data={"outcome": incident.outcome, "police_present": incident.police_present},
            )
        )
    for seq, entry in enumerate(entries):
        entry.seq = seq
    entries.sort(key=lambda e: (e.at, KIND_ORDER[e.kind], e.seq))
    names = _usernames(session, {e.user_id for e in entries if e.user_id is not None})
    return [
        TimelineEntryRead(
            at=e.at,
            kind=e.kind,
            by=_by(e, names),
            text=e.text,
            data=e.data,
        )
        for e in entries
    ]


def _outcome_actor(session: Any, incident: Incident) -> str | None:
    """Who recorded an outcome no user recorded: the actor of its audit row (POST …/outcome,
    the field page's outcome form), else of the move that cleared with it."""
    actor = session.scalar(
        sa.select(AuditEntry.actor)
        .where(
            AuditEntry.action == "incident.outcome",
            AuditEntry.record_type == "incident",
            AuditEntry.record_id == str(incident.id),
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if actor is None:
        actor = session.scalar(
            sa.select(IncidentMove.actor)
            .where(IncidentMove.incident_id == incident.id, IncidentMove.to_status == "cleared")
            .order_by(IncidentMove.id.desc())
            .limit(1)
        )
    return str(actor) if actor is not None else None


def _usernames(session: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {row.id: row.username for row in session.execute(sa.select(User.id, User.username).where(User.id.in_(ids)))}


def _call_signs(session: Any, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        row.id: row.call_sign for row in session.execute(sa.select(Unit.id, Unit.call_sign).where(Unit.id.in_(wanted)))
    }


def _call_entries(session: Any, call: Call, *, hide_narrative: bool) -> list[_Entry]:
    triage = call.triage or {}
    entries = [
        _Entry(
            at=call.received_at,
            kind="call",
            text=f"Call {call.number} answered",
            user_id=call.taken_by,
            data={"call_id": call.id, "number": call.number},
        )
    ]
    decided = _disposition(call.disposition) + (f", {call.priority}" if call.priority else "")
    risk = {"none": "no risk found", "incomplete": "screening incomplete"}.get(
        call.risk_level, f"{_words(call.risk_level)} risk"
    )
    text = f"Triage: {risk}; {decided}"
    if call.override_reason:
        text += f" (override of {_disposition(call.computed_disposition)}: {call.override_reason})"
    entries.append(
        _Entry(
            at=call.saved_at or call.received_at,
            kind="triage",
            text=text,
            user_id=call.taken_by,
            data={
                "risk_level": call.risk_level,
                "disposition": call.disposition,
                "priority": call.priority,
                "computed_disposition": call.computed_disposition,
                "override_reason": call.override_reason,
                "reasons": list(triage.get("reasons") or []),
            },
        )
    )
    if call.transfer_at is not None:
        entries.append(
            _Entry(
                at=call.transfer_at,
                kind="transfer",
                text=f"Transferred to {call.transfer_to or '911'}"
                + (f": {call.transfer_note}" if call.transfer_note else ""),
                user_id=call.transfer_by,
                data={
                    "to": call.transfer_to,
                    "note": call.transfer_note,
                    "recorded_at": _iso(call.transfer_recorded_at),
                },
            )
        )
    amendments = session.scalars(
        sa.select(CallAmendment).where(CallAmendment.call_id == call.id).order_by(CallAmendment.at, CallAmendment.id)
    )
    for amendment in amendments:
        changes = dict(amendment.changes or {})
        if hide_narrative:
            changes = {k: v for k, v in changes.items() if k not in HIDDEN_CHANGES}
        fields = ", ".join(_words(k).replace(".", " ") for k in sorted(amendment.changes or {}))
        entries.append(
            _Entry(
                at=amendment.at,
                kind="amendment",
                text=f"Call corrected ({fields}): {amendment.reason}",
                user_id=amendment.user_id,
                data={"changes": changes, "reason": amendment.reason},
            )
        )
    return entries


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _assignment_entries(assignments: list[Assignment], signs: dict[int, str]) -> list[_Entry]:
    entries = []
    for a in assignments:
        sign = signs.get(a.unit_id, f"unit {a.unit_id}")
        if a.recommended_rank == 1:
            why = "first recommendation"
        elif a.recommended_rank:
            why = f"{_ordinal(a.recommended_rank)} recommendation"
        else:
            why = "not among the recommendations"
        if a.reason:
            why += f": {a.reason}"
        entries.append(
            _Entry(
                at=a.assigned_at,
                kind="assignment",
                text=f"Dispatched {sign} ({why})",
                user_id=a.assigned_by,
                data={
                    "assignment_id": a.id,
                    "unit_id": a.unit_id,
                    "call_sign": sign,
                    "recommended_rank": a.recommended_rank,
                    "eta_seconds": a.eta_seconds,
                    "reason": a.reason,
                    "ended_at": _iso(a.ended_at),
                    "end_reason": a.end_reason,
                },
            )
        )
    return entries


def _unit_at(assignments: list[Assignment], at: datetime) -> int | None:
    """The unit assigned at `at` (the last one sent before it)."""
    found = None
    for a in assignments:
        if a.assigned_at <= at:
            found = a.unit_id
    return found


def _move_entries(
    session: Any, incident: Incident, assignments: list[Assignment], signs: dict[int, str]
) -> list[_Entry]:
    moves = session.scalars(
        sa.select(IncidentMove)
        .where(IncidentMove.incident_id == incident.id)
        .order_by(IncidentMove.at, IncidentMove.id)
    )
    facility = session.get(Facility, incident.facility_id) if incident.facility_id is not None else None
    entries = []
    for move in moves:
        if move.to_status == "dispatched":
            continue  # the assignment says it, with the unit and its rank
        unit_id = _unit_at(assignments, move.at)
        sign = signs.get(unit_id, "The team") if unit_id is not None else "The team"
        how = _how(move.actor, move.note)
        if move.from_status is None:
            text = f"Incident {incident.number} opened, waiting for a unit"
        elif move.to_status in STATUS_WORDS:
            text = f"{sign} {STATUS_WORDS[move.to_status]}{how}"
            if move.to_status in ("transporting", "at_facility") and facility is not None:
                text += f" ({facility.name})"
        elif move.to_status == "cleared":
            text = f"{sign} cleared{how}"
        elif move.to_status == "pending":
            text = f"Returned to the queue{how}: {move.note or 'no reason given'}"
        elif move.to_status == "cancelled":
            text = f"Cancelled: {move.note or 'no reason given'}"
        else:
            text = f"{_words(move.to_status).capitalize()}{how}"
        entries.append(
            _Entry(
                at=move.at,
                kind="status",
                text=text,
                user_id=move.user_id,
                actor=move.actor,
                data={
                    "from": move.from_status,
                    "to": move.to_status,
                    "actor": move.actor,
                    "note": move.note,
                    "unit_id": unit_id,
                },
            )
        )
    return entries


def _note_entries(session: Any, incident: Incident) -> list[_Entry]:
    rows = session.scalars(sa.select(IncidentNote).where(IncidentNote.incident_id == incident.id))
    return [
        _Entry(
            at=n.at,
            kind="note",
            text=n.text,
            user_id=n.user_id,
            actor=n.actor,
            data={"note_id": n.id, "actor": n.actor},
        )
        for n in rows
    ]


def _message_entries(session: Any, incident: Incident, signs: dict[int, str]) -> list[_Entry]:
    out = list(session.scalars(sa.select(OutboundMessage).where(OutboundMessage.incident_id == incident.id)))
    inbound = list(session.scalars(sa.select(InboundMessage).where(InboundMessage.incident_id == incident.id)))
    signs = {**signs, **_call_signs(session, {m.unit_id for m in [*out, *inbound]} - set(signs))}
    entries = []
    for m in out:
        sign = signs.get(m.unit_id, "the team") if m.unit_id is not None else "the team"
        entries.append(
            _Entry(
                at=m.created_at,
                kind="message",
                text=f"{MESSAGE_KINDS.get(m.kind, 'Text')} to {sign}: {m.status}",
                data={
                    "message_id": m.id,
                    "direction": "out",
                    "kind": m.kind,
                    "status": m.status,
                    "unit_id": m.unit_id,
                    "error_code": m.error_code,
                    "body": m.body,
                },
            )
        )
    for m in inbound:
        sign = signs.get(m.unit_id, "The team") if m.unit_id is not None else "The team"
        what = f": {_words(m.command)}" if m.command and m.command != "unknown" else ""
        entries.append(
            _Entry(
                at=m.received_at,
                kind="message",
                text=f"{sign} texted \u201c{m.body.strip()[:160]}\u201d{what}",
                actor=f"sms:{sign}" if m.unit_id in signs else None,
                until=m.handled_at or m.received_at,
                data={
                    "message_id": m.id,
                    "direction": "in",
                    "command": m.command,
                    "result": m.result,
                    "unit_id": m.unit_id,
                    "body": m.body,
                },
            )
        )
    return entries


def _fold_replies(entries: list[_Entry]) -> list[_Entry]:
    """One entry per event: a text that moved the incident ("1": acknowledged) is kept in the
    status entry it caused (`data.message`), not listed again; a text that moved nothing stays."""
    moves = [e for e in entries if e.kind == "status" and (e.actor or "").startswith("sms:")]
    folded: set[int] = set()
    for entry in entries:
        if entry.kind != "message" or entry.data.get("direction") != "in" or entry.actor is None:
            continue
        if entry.data.get("result") not in MOVING_REPLIES or entry.until is None:
            continue
        until = entry.until
        move = next(
            (m for m in moves if id(m) not in folded and m.actor == entry.actor and entry.at <= m.at <= until),
            None,
        )
        if move is None:
            continue
        folded.add(id(move))
        move.data["message"] = {k: entry.data.get(k) for k in ("message_id", "command", "body")}
        entry.kind = ""  # folded into the move
    return [e for e in entries if e.kind]


def _alert_entries(session: Any, incident: Incident) -> list[_Entry]:
    rows = session.scalars(sa.select(Alert).where(Alert.incident_id == incident.id))
    return [
        _Entry(
            at=a.raised_at,
            kind="alert",
            text=f"Alert: {a.message}",
            data={
                "alert_id": a.id,
                "kind": a.kind,
                "severity": a.severity,
                "acknowledged_at": _iso(a.acknowledged_at),
                "cleared_at": _iso(a.cleared_at),
            },
        )
        for a in rows
    ]
