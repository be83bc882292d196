"""The saved call as a record: reading it (with its history and amendments), finding calls,
correcting one with a reason, and recording its warm transfer to 911.

Each function works in the caller's transaction and never commits: the view does. Every view and
change of a call record is audited (core.audit), the earlier calls a history names included.
"""

from __future__ import annotations

import logging
from datetime import tzinfo
from typing import Any

import sqlalchemy as sa

from core.audit import audit
from core.errors import DomainError, NotFound
from core.models import User
from dispatch.models import Incident
from triage.history import CallHistory, Place, history_for, history_of_call
from triage.models import Call, CallAmendment
from triage.phones import PhoneInvalid, e164_or_none
from triage.schemas import CallRead, CallsQuery

log = logging.getLogger(__name__)


def phone_or_422(raw: str | None, *, field: str) -> str | None:
    """A number in any format as E.164 (None without one); 422 on `field` for words that are no
    phone number."""
    try:
        return e164_or_none(raw)
    except PhoneInvalid:
        # The library's own words ("(1) The string supplied did not seem to be a phone number.")
        # mean nothing to an operator: say what to type instead.
        words = f'"{(raw or "").strip()}" is not a phone number we can call back: use 10 digits, e.g. (802) 555-0100'
        raise DomainError(words + ".", fields={field: words}, code="validation_failed") from None


def incident_for_call(*, session: Any, call: Call) -> Incident | None:
    incident: Incident | None = session.scalars(sa.select(Incident).where(Incident.call_id == call.id)).one_or_none()
    return incident


def amendments_of(*, session: Any, call_id: int) -> list[CallAmendment]:
    statement = sa.select(CallAmendment).where(CallAmendment.call_id == call_id).order_by(CallAmendment.id)
    return list(session.scalars(statement))


def read_call(
    *, session: Any, call: Call, incident: Incident | None, tz: tzinfo | None
) -> tuple[CallRead, CallHistory]:
    """The call as the API shows it, with its history and amendments (and the history itself, whose
    `call_ids` the caller audits)."""
    history = history_of_call(session=session, call=call, tz=tz)
    amendments = amendments_of(session=session, call_id=call.id)
    by = session.get(User, call.transfer_by) if call.transfer_by is not None else None
    read = CallRead.of(call, incident, history=history, amendments=amendments, transfer_by=by and by.username)
    return read, history


def get_call(*, session: Any, call_id: int, user: Any, tz: tzinfo | None) -> CallRead:
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound("There is no such call.")
    body, history = read_call(session=session, call=call, incident=incident_for_call(session=session, call=call), tz=tz)
    detail = {"history_call_ids": history.call_ids} if history.call_ids else None
    audit(session=session, user=user, action="view", record_type="call", record_id=call.id, detail=detail)
    return body


# --- finding calls -----------------------------------------------------------------------------


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_statement(query: CallsQuery) -> Any:
    """The calls a search names, newest first: every parameter given must hold; each word of `q`
    must be in the number, the address or the caller's name."""
    statement = sa.select(Call).order_by(Call.received_at.desc(), Call.id.desc()).limit(query.limit)
    if query.status is not None:
        statement = statement.where(Call.status == query.status)
    for word in (query.q or "").split():
        pattern = _like(word)
        statement = statement.where(
            sa.or_(
                sa.func.lower(Call.number).like(pattern, escape="\\"),
                sa.func.lower(sa.func.coalesce(Call.address, "")).like(pattern, escape="\\"),
                sa.func.lower(sa.func.coalesce(Call.caller_name, "")).like(pattern, escape="\\"),
            )
        )
    phone = phone_or_422(query.phone, field="phone")
    if phone is not None:
        statement = statement.where(Call.caller_phone == phone)
    for name, moment in (("from", query.from_), ("to", query.to)):
        if moment is not None and moment.tzinfo is None:
            raise DomainError(
                "Give times with their UTC offset.", fields={name: "needs a UTC offset"}, code="validation_failed"
            )
    if query.from_ is not None and query.to is not None and query.from_ >= query.to:
        raise DomainError("`from` must be before `to`.", fields={"from": "not before to"}, code="validation_failed")
    if query.from_ is not None:
        statement = statement.where(Call.received_at >= query.from_)
    if query.to is not None:
        statement = statement.where(Call.received_at < query.to)
    if query.risk_level is not None:
        statement = statement.where(Call.risk_level == query.risk_level)
    if query.disposition is not None:
        statement = statement.where(Call.disposition == query.disposition)
    if query.transfer == "pending":
        statement = statement.where(Call.disposition == "emergency_911", Call.transfer_at.is_(None))
    return statement


def list_calls(*, session: Any, query: CallsQuery, user: Any, tz: tzinfo | None) -> list[CallRead]:
    """The calls a search finds. The list shows call records, so it is one audited view naming the
    calls (and the earlier calls their histories name)."""
    calls = list(session.scalars(search_statement(query)))
    if not calls:
        return []
    found = session.scalars(sa.select(Incident).where(Incident.call_id.in_([c.id for c in calls])))
    incidents = {i.call_id: i for i in found if i.call_id is not None}
    answers: list[CallRead] = []
    named: set[int] = set()
    for call in calls:
        body, history = read_call(session=session, call=call, incident=incidents.get(call.id), tz=tz)
        answers.append(body)
        named.update(history.call_ids)
    detail: dict[str, Any] = {
        "call_ids": [c.id for c in calls],
        "query": query.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"limit"}),
    }
    if named:
        detail["history_call_ids"] = sorted(named)
    audit(session=session, user=user, action="list", record_type="call", detail=detail)
    return answers


# --- history before a call is saved --------------------------------------------------------------


def history_lookup(
    *, session: Any, phone: str | None, place: Place | None, user: Any, tz: tzinfo | None, asked: dict[str, Any]
) -> CallHistory:
    """The history of a number and/or a place, audited as a view of the calls it names."""
    history = history_for(session=session, phone=phone, place=place, tz=tz)
    audit(
        session=session,
        user=user,
        action="history",
        record_type="call",
        detail={"call_ids": history.call_ids, "asked": asked},
    )
    return history
