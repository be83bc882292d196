"""The triage and calls API (CONTRACT.md "Triage" and "Calls")."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app
from flask_login import current_user

from core import deps
from core.actors import Actor
from core.api import ApiBlueprint, ListQuery
from core.db import end_reads
from core.errors import DomainError
from core.events import record_event
from core.extensions import db
from core.ports import current_ports
from core.roles import ADMINS, EVERYONE, INTAKE, STAFF, TRANSFER_RECORDERS
from triage import amend, record, service, transfer
from triage.history import Place
from triage.languages import table as language_table
from triage.schemas import (
    ActiveQuestionnaireRead,
    CallAmendIn,
    CallHeaders,
    CallIn,
    CallRead,
    CallsQuery,
    EvaluateIn,
    EvaluationRead,
    HistoryQuery,
    HistoryRead,
    LanguageRead,
    QuestionnaireQuery,
    QuestionnaireRead,
    QuestionnaireRef,
    QuestionnaireSummaryRead,
    TransferIn,
)

api = ApiBlueprint("triage_api", __name__, url_prefix="/api/v1")


def local_zone() -> ZoneInfo:
    """The zone whose days date the safety lines (the TIMEZONE setting)."""
    return ZoneInfo(deps.settings().timezone)


def current_catalogue() -> service.Catalogue:
    """The questionnaires this app loaded and checked at start-up (triage.web)."""
    catalogue: service.Catalogue = current_app.extensions["triage_catalogue"]
    return catalogue


@api.op(
    "/triage/questionnaires",
    "GET",
    roles=STAFF,
    query=ListQuery,
    response=list[QuestionnaireSummaryRead],
    summary="The questionnaires in the catalogue",
)
def list_questionnaires(query: ListQuery) -> list[QuestionnaireSummaryRead]:
    catalogue = current_catalogue()
    active = service.active_questionnaire(session=db.session, catalogue=catalogue)
    return service.catalogue_list(catalogue, active=active)[: query.limit]


@api.op(
    "/triage/questionnaires/active",
    "POST",
    roles=ADMINS,
    body=QuestionnaireRef,
    response=ActiveQuestionnaireRead,
    summary="Choose the questionnaire operators use (admin)",
)
def choose_questionnaire(body: QuestionnaireRef) -> ActiveQuestionnaireRead:
    chosen = service.set_active_questionnaire(
        session=db.session,
        catalogue=current_catalogue(),
        questionnaire_id=body.id,
        version=body.version,
        user=current_user,
    )
    db.session.commit()
    return ActiveQuestionnaireRead(id=chosen.id, version=chosen.version, title=chosen.title, active=True)


@api.op(
    "/triage/questionnaire",
    "GET",
    roles=STAFF,
    query=QuestionnaireQuery,
    response=QuestionnaireRead,
    summary="The active questionnaire (or one by ?id=&version=)",
)
def get_questionnaire(query: QuestionnaireQuery) -> QuestionnaireRead:
    catalogue = current_catalogue()
    if query.id is None:
        questionnaire = service.active_questionnaire(session=db.session, catalogue=catalogue)
    else:
        questionnaire = service.find_questionnaire(catalogue, questionnaire_id=query.id, version=query.version)
    return QuestionnaireRead.model_validate(questionnaire)


@api.op(
    "/triage/evaluate",
    "POST",
    roles=STAFF,
    body=EvaluateIn,
    response=EvaluationRead,
    summary="Risk, disposition, priority and reasons for an answer set (no side effects)",
)
def evaluate(body: EvaluateIn) -> EvaluationRead:
    questionnaire = service.chosen_questionnaire(
        session=db.session, catalogue=current_catalogue(), ref=body.questionnaire
    )
    return EvaluationRead.of(service.evaluate_answers(questionnaire, body.answers))


@api.op(
    "/languages",
    "GET",
    roles=EVERYONE,
    query=ListQuery,
    response=list[LanguageRead],
    summary="The languages a caller may ask for (the triage answer `language` takes a code or a name), "
    "most spoken in the US first; limit=500 gives the whole table",
)
def list_languages(query: ListQuery) -> list[LanguageRead]:
    return [
        LanguageRead(code=language.code, name=language.name, native=language.native, also=list(language.also))
        for language in language_table().languages[: query.limit]
    ]


@api.op(
    "/calls",
    "POST",
    roles=INTAKE,
    body=CallIn,
    headers=CallHeaders,
    response=CallRead,
    status=201,
    responses={200: CallRead},
    summary="Log a call (Idempotency-Key honoured: the same key again answers the first call, 200)",
)
def create_call(body: CallIn, headers: CallHeaders) -> tuple[CallRead, int]:
    ports = current_ports()
    tz = local_zone()
    taken = service.take_call(
        session=db.session,
        payload=body,
        by=current_user._get_current_object(),
        idempotency_key=headers.idempotency_key,
        catalogue=current_catalogue(),
        locator=ports.locator,
        clock=ports.clock,
        bus=deps.bus(),
        areas=ports.areas,
        tz=tz,
    )
    answer = taken.answer
    if answer is None:  # the first call of a reused key: read now, before the commit
        answer, _ = record.read_call(session=db.session, call=taken.call, incident=taken.incident, tz=tz)
    db.session.commit()
    return answer, 201 if taken.created else 200


@api.op("/calls/<int:call_id>", "GET", roles=STAFF, response=CallRead, summary="One call (the view is audited)")
def get_call(call_id: int) -> CallRead:
    body = record.get_call(session=db.session, call_id=call_id, user=current_user, tz=local_zone())
    db.session.commit()
    return body


@api.op(
    "/calls",
    "GET",
    roles=STAFF,
    query=CallsQuery,
    response=list[CallRead],
    summary="Calls, newest first; search by words (number, address, caller name), phone, dates of receipt, "
    "risk level, disposition, transfer=pending",
)
def list_calls(query: CallsQuery) -> list[CallRead]:
    calls = record.list_calls(session=db.session, query=query, user=current_user, tz=local_zone())
    db.session.commit()
    return calls


@api.op(
    "/history",
    "GET",
    roles=STAFF,
    query=HistoryQuery,
    response=HistoryRead,
    summary="Earlier calls from a number or at an address, with their safety lines, before a call is saved "
    "(the view is audited)",
)
def get_history(query: HistoryQuery) -> HistoryRead:
    phone = record.phone_or_422(query.phone, field="phone")
    place = None
    if (query.address or "").strip() or (query.lat is not None and query.lon is not None):
        end_reads(db.session)  # the geocoder may take seconds: no transaction waits on it
        found = current_ports().locator.locate(address=query.address, lat=query.lat, lon=query.lon)
        if found.resolved and found.lat is not None and found.lon is not None:
            place = Place(lat=found.lat, lon=found.lon)
    elif phone is None:
        raise DomainError(
            "Give a phone number or an address.",
            fields={"phone": "give a phone or an address", "address": "give a phone or an address"},
            code="validation_failed",
        )
    history = record.history_lookup(
        session=db.session,
        phone=phone,
        place=place,
        user=current_user,
        tz=local_zone(),
        asked=query.model_dump(exclude_none=True),
    )
    db.session.commit()
    return HistoryRead.of(history)


@api.op(
    "/calls/<int:call_id>/transfer",
    "POST",
    roles=TRANSFER_RECORDERS,
    body=TransferIn,
    response=CallRead,
    summary="Record the warm transfer of an emergency_911 call to 911 (once: again -> 409; a call that is not "
    "emergency_911 -> 409); stops the transfer alert, starts the follow-up clock at `at`",
)
def transfer_call(call_id: int, body: TransferIn) -> CallRead:
    tz = local_zone()
    call = transfer.record_transfer(
        session=db.session,
        call_id=call_id,
        to=body.to,
        at=body.at,
        note=body.note,
        by=Actor.of(current_user),
        now=current_ports().clock(),
        bus=deps.bus(),
    )
    answer, _ = record.read_call(
        session=db.session, call=call, incident=record.incident_for_call(session=db.session, call=call), tz=tz
    )
    record_event(session=db.session, type="call.updated", data=answer.model_dump(mode="json"))
    db.session.commit()
    return answer


@api.op(
    "/calls/<int:call_id>",
    "PATCH",
    roles=STAFF,
    body=CallAmendIn,
    response=CallRead,
    summary="Correct a saved call's caller, location, narrative or needs, with a reason (the answers never "
    "change); a new location is geocoded and moves its incident; every amendment keeps the values it replaced",
)
def amend_call(call_id: int, body: CallAmendIn) -> CallRead:
    ports = current_ports()
    call, incident, amendment = amend.amend_call(
        session=db.session,
        call_id=call_id,
        payload=body,
        by=Actor.of(current_user),
        locator=ports.locator,
        now=ports.clock(),
        areas=ports.areas,
    )
    answer, _ = record.read_call(session=db.session, call=call, incident=incident, tz=local_zone())
    if amendment is not None:
        record_event(session=db.session, type="call.updated", data=answer.model_dump(mode="json"))
    db.session.commit()
    return answer
