"""Call intake: the questionnaire catalogue, the active questionnaire, evaluation and `take_call`.

Each function works in the caller's transaction and never commits: the view does. One
exception: `take_call` ends its read transaction before it locates the call (core.db.end_reads),
because a network geocoder may take seconds and no transaction may wait on it.

Idempotency keys are scoped per user: the key is unique together with the user who took the
call. Two operators whose clients happen to send the same key get two calls, and no user can
fetch another user's call by replaying a key; the same user sending the key again gets the first
call back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core.actors import Actor
from core.audit import audit
from core.bus import MessageBus
from core.clock import Clock, now
from core.db import end_reads
from core.errors import DomainError, NotFound
from core.events import record_event
from core.numbers import next_number
from dispatch.models import Incident
from dispatch.service import open_incident_for_call
from geo.areas import NO_AREAS, ServiceAreas
from geo.service import Locator
from triage.engine import AnswersInvalid, TriageResult, evaluate, normalized_answers, priority_for
from triage.events import CallLogged
from triage.models import Call, Setting
from triage.questionnaire import (
    DEFAULT_QUESTIONNAIRE_ID,
    QUESTIONNAIRE_DIR,
    Questionnaire,
    QuestionnaireError,
    latest,
    load_directory,
)
from triage.record import incident_for_call, phone_or_422, read_call
from triage.schemas import CallIn, CallRead, EvaluationRead, OverrideIn, QuestionnaireSummaryRead

log = logging.getLogger(__name__)

Catalogue = Mapping[tuple[str, int], Questionnaire]
ACTIVE_SETTING = "triage.active_questionnaire"
INCIDENT_DISPOSITIONS = frozenset({"mobile_team", "co_response"})
OPERATOR_911_INSTRUCTION = "Transfer to 911 now — operator's decision"

_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple[tuple[str, float], ...], dict[tuple[str, int], Questionnaire]]] = {}


class CatalogueError(RuntimeError):
    """The questionnaire files cannot be used: the service does not start."""


# --- the catalogue ---------------------------------------------------------------------------


def load_catalogue(directory: Path | str = QUESTIONNAIRE_DIR) -> dict[tuple[str, int], Questionnaire]:
    """Every questionnaire file of `directory`, checked; read again only when a file changed.

    Raises `CatalogueError` naming the file and its problems, or when the default questionnaire
    is missing."""
    folder = Path(directory)
    stamp = tuple(sorted((p.name, p.stat().st_mtime) for p in folder.glob("*.y*ml")))
    with _cache_lock:
        cached = _cache.get(str(folder))
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            catalogue = load_directory(folder)
        except QuestionnaireError as error:
            raise CatalogueError(f"The questionnaire catalogue in {folder} cannot be used. {error}") from error
        if not catalogue:
            raise CatalogueError(f"No questionnaire files (*.yaml) in {folder}.")
        _cache[str(folder)] = (stamp, catalogue)
        return catalogue


def catalogue_list(catalogue: Catalogue, *, active: Questionnaire) -> list[QuestionnaireSummaryRead]:
    return [
        QuestionnaireSummaryRead.of(q, active=q.key == active.key)
        for q in sorted(catalogue.values(), key=lambda q: (q.id, q.version))
    ]


def find_questionnaire(catalogue: Catalogue, *, questionnaire_id: str, version: int | None) -> Questionnaire:
    """One questionnaire by id and version (the highest version when none is given); 404 otherwise."""
    try:
        if version is None:
            return latest(catalogue, questionnaire_id)
        return catalogue[(questionnaire_id, version)]
    except KeyError:
        shown = questionnaire_id if version is None else f"{questionnaire_id} version {version}"
        raise NotFound(f"There is no questionnaire {shown}.") from None


def active_questionnaire(*, session: Any, catalogue: Catalogue) -> Questionnaire:
    """The questionnaire an admin chose, or the highest version of the default one."""
    setting = session.get(Setting, ACTIVE_SETTING)
    if setting is not None and isinstance(setting.value, dict):
        chosen = catalogue.get((str(setting.value.get("id")), int(setting.value.get("version", 0))))
        if chosen is not None:
            return chosen
        log.warning("the chosen questionnaire %s is no longer in the catalogue; using the default", setting.value)
    if any(key[0] == DEFAULT_QUESTIONNAIRE_ID for key in catalogue):
        return latest(catalogue, DEFAULT_QUESTIONNAIRE_ID)
    return max(catalogue.values(), key=lambda q: q.key)


def set_active_questionnaire(
    *, session: Any, catalogue: Catalogue, questionnaire_id: str, version: int, user: Any
) -> Questionnaire:
    questionnaire = catalogue.get((questionnaire_id, version))
    if questionnaire is None:
        raise DomainError(
            f"There is no questionnaire {questionnaire_id} version {version}.",
            fields={"id": "not in the catalogue", "version": "not in the catalogue"},
            code="validation_failed",
        )
    setting = session.get(Setting, ACTIVE_SETTING)
    previous = setting.value if setting is not None else None
    value = {"id": questionnaire.id, "version": questionnaire.version}
    if setting is None:
        setting = Setting(name=ACTIVE_SETTING, value=value)
        session.add(setting)
    setting.value = value
    setting.changed_at = now()
    setting.changed_by = getattr(user, "id", None)
    audit(
        session=session,
        user=user,
        action="set_active",
        record_type="questionnaire",
        record_id=f"{questionnaire.id}@{questionnaire.version}",
        detail={"previous": previous},
    )
    return questionnaire


def chosen_questionnaire(*, session: Any, catalogue: Catalogue, ref: Any) -> Questionnaire:
    """The questionnaire a request names (`{"id","version"}`), else the active one."""
    if ref is None:
        return active_questionnaire(session=session, catalogue=catalogue)
    questionnaire = catalogue.get((ref.id, ref.version))
    if questionnaire is None:
        raise DomainError(
            f"There is no questionnaire {ref.id} version {ref.version}.",
            fields={"questionnaire": "not in the catalogue"},
            code="validation_failed",
        )
    return questionnaire


def evaluate_answers(questionnaire: Questionnaire, answers: Mapping[str, str]) -> TriageResult:
    """The engine's result, or 422 with one field per bad answer."""
    try:
        return evaluate(questionnaire, answers)
    except AnswersInvalid as error:
        raise DomainError(
            "Some answers do not fit the questionnaire.", fields=error.fields, code="invalid_answers"
        ) from None


# --- decisions -------------------------------------------------------------------------------


def decide(result: TriageResult, override: OverrideIn | None) -> tuple[str, str | None, str | None]:
    """Final disposition, priority and override reason: the computed values unless an operator
    overrides them with a written reason. `routine` exists only as an operator's choice."""
    if override is None:
        return result.disposition, result.priority, None
    reason = override.reason.strip()
    if not reason:
        raise DomainError(
            "An override needs a written reason.", fields={"override.reason": "required"}, code="validation_failed"
        )
    if override.disposition is None and override.priority is None:
        raise DomainError(
            "Say which disposition or priority you choose instead of the computed one.",
            fields={"override": "give a disposition or a priority"},
            code="validation_failed",
        )
    disposition = override.disposition or result.disposition
    if override.priority is not None:
        if disposition == "phone":
            raise DomainError(
                "A call resolved by phone has no priority.",
                fields={"override.priority": "not allowed with the phone disposition"},
                code="validation_failed",
            )
        priority: str | None = override.priority
    elif override.disposition is not None:
        priority = priority_for(disposition, result.risk_level)
    else:
        priority = result.priority
    return disposition, priority, reason


def transfer_instruction(result: TriageResult, disposition: str) -> str | None:
    if disposition != "emergency_911":
        return None
    if result.disposition == "emergency_911" and result.instruction:
        return result.instruction
    return OPERATOR_911_INSTRUCTION


# --- numbers ---------------------------------------------------------------------------------


def next_call_number(*, session: Any, year: int) -> str:
    """`C-<year>-<6 digits>` (see core.numbers)."""
    return f"C-{year}-{next_number(session=session, kind='call', year=year):06d}"


# --- calls -----------------------------------------------------------------------------------


def _call_for_key(session: Any, user_id: int | None, key: str) -> Call | None:
    statement = sa.select(Call).where(Call.idempotency_key == key, Call.taken_by == user_id)
    call: Call | None = session.scalars(statement).one_or_none()
    return call


def _clean(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _youth_need(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _language_need(value: object) -> str | None:
    return value.strip().lower()[:8] or None if isinstance(value, str) else None


ANSWERED_AT_MAX_AGE = timedelta(hours=24)
CLOCK_SKEW = timedelta(seconds=60)  # a browser clock this far ahead is taken as the server's now


def received_time(answered_at: datetime | None, *, now: datetime) -> datetime:
    """When the call was received: the operator's `answered_at`, or now. 422 on `answered_at`
    without an offset, in the future (beyond CLOCK_SKEW, which is taken as now) or over 24 h ago."""
    if answered_at is None:
        return now
    if answered_at.tzinfo is None:
        raise DomainError(
            "Say when the call was answered with its UTC offset.",
            fields={"answered_at": "needs a UTC offset, e.g. 2026-12-01T14:05:00+00:00"},
            code="validation_failed",
        )
    if answered_at > now + CLOCK_SKEW:
        raise DomainError(
            "The call cannot have been answered in the future.",
            fields={"answered_at": "in the future"},
            code="validation_failed",
        )
    if answered_at < now - ANSWERED_AT_MAX_AGE:
        raise DomainError(
            "A call is logged within 24 hours of answering it.",
            fields={"answered_at": "more than 24 hours ago"},
            code="validation_failed",
        )
    return min(answered_at, now).astimezone(UTC)


def _is_empty(payload: CallIn) -> bool:
    """Nothing a person could act on: no answer, no narrative, no caller and no location."""
    location = payload.location
    return (
        not any(value.strip() for value in payload.answers.values())
        and not (payload.narrative or "").strip()
        and not (payload.caller.phone or "").strip()
        and not (payload.caller.name or "").strip()
        and not (location.address or "").strip()
        and location.lat is None
        and location.lon is None
    )


class TakenCall(NamedTuple):
    call: Call
    incident: Incident | None
    created: bool
    answer: CallRead | None = None


def take_call(
    *,
    session: Any,
    payload: CallIn,
    by: Any,
    idempotency_key: str | None,
    catalogue: Catalogue,
    locator: Locator,
    clock: Clock,
    bus: MessageBus,
    areas: ServiceAreas = NO_AREAS,
    tz: tzinfo | None = None,
) -> TakenCall:
    """Log a call: check and evaluate the answers, apply an override, locate, number and save it,
    and open an incident when the final disposition needs a team. Returns the call, its incident,
    whether it was created, and its answer (the `call.created` body, read once: history and
    amendments cost queries); a key this user already used returns their first call with created
    False and no answer. Refused
    requests (422) raise before anything is written or geocoded, so they do not use the key.

    Two transactions of the caller's session: the checks only read, and their transaction is
    ended (core.db.end_reads: call this with nothing written in the session) before the locator
    is asked, which may wait on a network geocoder; the call is then written in a new transaction
    that the caller commits. A request with the same key that saves meanwhile is caught by the
    key's unique constraint (its call is answered)."""
    if _is_empty(payload):
        raise DomainError(
            "Nothing to save: give an answer, a narrative, the caller's number or name, or a location.",
            code="empty_call",
        )
    received_at = received_time(payload.answered_at, now=clock())
    phone = phone_or_422(payload.caller.phone, field="caller.phone")
    user_id = getattr(by, "id", None)
    key = (idempotency_key or "").strip() or None
    if key is not None and len(key) > 100:
        raise DomainError(
            "The Idempotency-Key is too long.",
            fields={"Idempotency-Key": "at most 100 characters"},
            code="validation_failed",
        )
    if key is not None:
        earlier = _call_for_key(session, user_id, key)
        if earlier is not None:
            return TakenCall(earlier, incident_for_call(session=session, call=earlier), False)
    questionnaire = chosen_questionnaire(session=session, catalogue=catalogue, ref=payload.questionnaire)
    result = evaluate_answers(questionnaire, payload.answers)
    disposition, priority, override_reason = decide(result, payload.override)
    location = payload.location  # never a reason to refuse a call: unresolved is saved as such
    end_reads(session)
    place = locator.locate(address=location.address, lat=location.lat, lon=location.lon)
    saved_at = clock()
    answers = {k: v for k, v in normalized_answers(questionnaire, payload.answers).items() if v != ""}
    try:
        with session.begin_nested():
            call = Call(
                number=next_call_number(session=session, year=received_at.year),
                received_at=received_at,
                saved_at=saved_at,
                taken_by=user_id,
                status="open",
                caller_phone=phone,
                caller_name=_clean(payload.caller.name),
                caller_relation=_clean(payload.caller.relation),
                address=place.address,
                lat=place.lat,
                lon=place.lon,
                location_source=place.source,
                location_resolved=place.resolved,
                questionnaire_id=questionnaire.id,
                questionnaire_version=questionnaire.version,
                answers=answers,
                narrative=_clean(payload.narrative),
                triage=EvaluationRead.of(result).model_dump(mode="json"),
                risk_level=result.risk_level,
                computed_disposition=result.disposition,
                computed_priority=result.priority,
                disposition=disposition,
                priority=priority,
                override_reason=override_reason,
                transfer_instruction=transfer_instruction(result, disposition),
                needs_youth=_youth_need(result.needs.get("youth")),
                needs_language=_language_need(result.needs.get("language")),
                idempotency_key=key,
            )
            session.add(call)
            session.flush()
    except IntegrityError:
        # Another request with the same key won the race: answer with its call.
        winner = _call_for_key(session, user_id, key) if key is not None else None
        if winner is None:
            raise
        log.info("idempotency key reused concurrently; returning call %s", winner.id)
        return TakenCall(winner, incident_for_call(session=session, call=winner), False)

    actor = Actor.of(by) if user_id is not None else Actor.system("api")
    incident = None
    if disposition in INCIDENT_DISPOSITIONS:
        incident = open_incident_for_call(session=session, call=call, by=actor, bus=bus, areas=areas)
    detail: dict[str, Any] = {
        "number": call.number,
        "disposition": disposition,
        "computed_disposition": result.disposition,
    }
    if override_reason:
        detail["override_reason"] = override_reason
    audit(session=session, user=by, action="create", record_type="call", record_id=call.id, detail=detail)
    if call.transfer_instruction:
        audit(
            session=session,
            user=by,
            action="transfer_911",
            record_type="call",
            record_id=call.id,
            detail={"instruction": call.transfer_instruction},
        )
    body, history = read_call(session=session, call=call, incident=incident, tz=tz)
    if history.call_ids:
        audit(
            session=session,
            user=by,
            action="history",
            record_type="call",
            record_id=call.id,
            detail={"call_ids": history.call_ids},
        )
    record_event(session=session, type="call.created", data=body.model_dump(mode="json"))
    bus.publish(CallLogged(call=call, by=actor), session=session)
    return TakenCall(call, incident, True, body)
