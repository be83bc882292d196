"""The triage and calls API (CONTRACT.md "Triage" and "Calls")."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from core import deps
from core.api import ApiBlueprint, ListQuery
from core.extensions import db
from core.ports import current_ports
from core.roles import ADMINS, EVERYONE, INTAKE, STAFF
from triage import service
from triage.languages import table as language_table
from triage.schemas import (
    ActiveQuestionnaireRead,
    CallHeaders,
    CallIn,
    CallRead,
    CallsQuery,
    EvaluateIn,
    EvaluationRead,
    LanguageRead,
    QuestionnaireQuery,
    QuestionnaireRead,
    QuestionnaireRef,
    QuestionnaireSummaryRead,
)

api = ApiBlueprint("triage_api", __name__, url_prefix="/api/v1")


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
    call, incident, created = service.take_call(
        session=db.session,
        payload=body,
        by=current_user._get_current_object(),
        idempotency_key=headers.idempotency_key,
        catalogue=current_catalogue(),
        locator=ports.locator,
        clock=ports.clock,
        bus=deps.bus(),
        areas=ports.areas,
    )
    answer = CallRead.of(call, incident)  # before the commit expires what was just written
    db.session.commit()
    return answer, 201 if created else 200


@api.op("/calls/<int:call_id>", "GET", roles=STAFF, response=CallRead, summary="One call (the view is audited)")
def get_call(call_id: int) -> CallRead:
    call, incident = service.get_call(session=db.session, call_id=call_id, user=current_user)
    body = CallRead.of(call, incident)
    db.session.commit()
    return body


@api.op("/calls", "GET", roles=STAFF, query=CallsQuery, response=list[CallRead], summary="Calls, newest first")
def list_calls(query: CallsQuery) -> list[CallRead]:
    calls = service.list_calls(session=db.session, status=query.status, limit=query.limit, user=current_user)
    db.session.commit()
    return calls
