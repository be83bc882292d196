"""The triage and calls API (CONTRACT.md "Triage" and "Calls")."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user

from core.api import ApiBlueprint
from core.extensions import db
from core.roles import ADMINS, INTAKE, STAFF
from triage import service
from triage.schemas import CallIn, CallsQuery, EvaluateIn, QuestionnaireQuery, QuestionnaireRef

api = ApiBlueprint("triage_api", __name__, url_prefix="/api/v1")


@api.op("/triage/questionnaires", "GET", roles=STAFF, summary="The questionnaires in the catalogue")
def list_questionnaires() -> Any:
    catalogue = service.current_catalogue()
    active = service.active_questionnaire(session=db.session, catalogue=catalogue)
    return service.catalogue_list(catalogue, active=active)


@api.op(
    "/triage/questionnaires/active",
    "POST",
    roles=ADMINS,
    body=QuestionnaireRef,
    summary="Choose the questionnaire operators use (admin)",
)
def choose_questionnaire(body: QuestionnaireRef) -> Any:
    chosen = service.set_active_questionnaire(
        session=db.session,
        catalogue=service.current_catalogue(),
        questionnaire_id=body.id,
        version=body.version,
        user=current_user,
    )
    db.session.commit()
    return {"id": chosen.id, "version": chosen.version, "title": chosen.title, "active": True}


@api.op(
    "/triage/questionnaire",
    "GET",
    roles=STAFF,
    query=QuestionnaireQuery,
    summary="The active questionnaire (or one by ?id=&version=)",
)
def get_questionnaire(query: QuestionnaireQuery) -> Any:
    catalogue = service.current_catalogue()
    if query.id is None:
        questionnaire = service.active_questionnaire(session=db.session, catalogue=catalogue)
    else:
        questionnaire = service.find_questionnaire(catalogue, questionnaire_id=query.id, version=query.version)
    return questionnaire.to_dict()


@api.op(
    "/triage/evaluate",
    "POST",
    roles=STAFF,
    body=EvaluateIn,
    summary="Risk, disposition, priority and reasons for an answer set (no side effects)",
)
def evaluate(body: EvaluateIn) -> Any:
    questionnaire = service.chosen_questionnaire(
        session=db.session, catalogue=service.current_catalogue(), ref=body.questionnaire
    )
    return service.evaluate_answers(questionnaire, body.answers).to_dict()


@api.op("/calls", "POST", roles=INTAKE, body=CallIn, status=201, summary="Log a call (Idempotency-Key honoured)")
def create_call(body: CallIn) -> Any:
    call, incident, created = service.take_call(
        session=db.session,
        payload=body,
        by=current_user._get_current_object(),
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    answer = service.call_json(call, incident)  # before the commit expires what was just written
    db.session.commit()
    return answer, 201 if created else 200


@api.op("/calls/<int:call_id>", "GET", roles=STAFF, summary="One call (the view is audited)")
def get_call(call_id: int) -> Any:
    call, incident = service.get_call(session=db.session, call_id=call_id, user=current_user)
    body = service.call_json(call, incident)
    db.session.commit()
    return body


@api.op("/calls", "GET", roles=STAFF, query=CallsQuery, summary="Calls, newest first")
def list_calls(query: CallsQuery) -> Any:
    calls = service.list_calls(session=db.session, status=query.status, limit=query.limit, user=current_user)
    db.session.commit()
    return calls
