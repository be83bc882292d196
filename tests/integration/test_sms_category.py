"""The category a dispatch text gives comes from the questionnaire the call was screened with:
an ASQ call and a C-SSRS call that say the same thing are texted to the team alike."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.extensions import db
from notifications.content import count_segments
from notifications.models import OutboundMessage
from tests.support.dispatch_factories import CHURCH_ST, NEAR, make_placed_unit
from tests.support.triage_factories import SAFETY_NO, answers, call_body

PHONE = "+18025550177"
ASQ = {"id": "asq", "version": 1}
CSSRS = {"id": "cssrs_screener_recent", "version": 1}
ASQ_NEGATIVE = {"asq_1": "no", "asq_2": "no", "asq_3": "no", "asq_4": "no", **SAFETY_NO}


def dispatch_text(app, api, questionnaire, answer_set, **fields) -> str:
    """POST the call, assign a unit to its incident, and return the text queued for the unit."""
    location = {"lat": CHURCH_ST[0], "lon": CHURCH_ST[1]}
    body = call_body(answer_set, questionnaire=questionnaire, location=location, **fields)
    call = api.as_role("operator").post("/api/v1/calls", json=body)
    assert call.status_code == 201, call.get_json()
    incident_id = call.get_json()["incident_id"]
    assert incident_id is not None, "the call needs a team"
    unit_id = make_placed_unit(app, NEAR, phones=[PHONE])
    assigned = api.as_role("dispatcher").post(f"/api/v1/incidents/{incident_id}/assign", json={"unit_id": unit_id})
    assert assigned.status_code == 200, assigned.get_json()
    with app.app_context():
        (message,) = db.session.scalars(sa.select(OutboundMessage).where(OutboundMessage.to == PHONE)).all()
        return message.body


@pytest.mark.parametrize(
    ("questionnaire", "answer_set", "category"),
    [
        # ASQ: thoughts of killing oneself in the past week, not right now (moderate, urgent).
        (ASQ, ASQ_NEGATIVE | {"asq_3": "yes", "asq_5": "no"}, "suicidal ideation, no weapon reported"),
        # ASQ: acute positive (high, emergent), weapon status unknown.
        (
            ASQ,
            ASQ_NEGATIVE | {"asq_1": "yes", "asq_5": "yes", "weapon_present": "unknown"},
            "suicidal ideation, weapon status unknown",
        ),
        # ASQ negative, a welfare check asked for.
        (ASQ, ASQ_NEGATIVE | {"needs_in_person": "yes"}, "welfare check, no weapon reported"),
        # ASQ: declining question 5 is high risk, but no ideation was stated.
        (ASQ, ASQ_NEGATIVE | {"asq_4": "yes", "asq_5": "declined"}, "crisis support, no weapon reported"),
        # C-SSRS, as before: ideation with intent (high), and a welfare check.
        (
            CSSRS,
            answers(cssrs_1="yes", cssrs_2="yes", cssrs_3="yes", cssrs_4="yes", cssrs_5="no"),
            "suicidal ideation, no weapon reported",
        ),
        (CSSRS, answers(needs_in_person="yes"), "welfare check, no weapon reported"),
        (
            CSSRS,
            answers(cssrs_1="yes", weapon_present="yes", weapon_intent="no"),
            "suicidal ideation, weapon reported - police co-response",
        ),
    ],
)
def test_the_dispatch_text_names_the_concern_the_answers_state(app, api, questionnaire, answer_set, category):
    text = dispatch_text(app, api, questionnaire, answer_set)
    assert f"\n{category}\n" in text, text


def test_the_text_carries_no_questionnaire_name_and_no_answers(app, api):
    text = dispatch_text(app, api, ASQ, ASQ_NEGATIVE | {"asq_2": "yes", "asq_5": "no"}).lower()
    assert "suicidal ideation" in text
    for detail in ("asq", "c-ssrs", "risk", "moderate", "better off dead", "wished"):
        assert detail not in text


def test_the_operator_sees_the_concern_the_team_will_be_texted(api):
    body = {"questionnaire": ASQ, "answers": ASQ_NEGATIVE | {"asq_1": "yes", "asq_5": "no"}}
    evaluated = api.as_role("operator").post("/api/v1/triage/evaluate", json=body)
    assert evaluated.status_code == 200, evaluated.get_json()
    assert evaluated.get_json()["concern"] == "suicidal ideation"


def test_a_spanish_speaking_teenager_is_named_youth_and_spanish_and_nothing_more(app, api):
    teen = answers(cssrs_1="yes", needs_in_person="yes", youth="yes", language="es")
    caller = {"phone": "+18025550199", "name": "Ana Rivera", "relation": "self"}
    text = dispatch_text(app, api, CSSRS, teen, caller=caller, narrative="Ana, 15, says school is unbearable")

    assert text.splitlines()[1] == "Needs: youth, Spanish", text
    for private in ("Rivera", "+18025550199", "unbearable"):
        assert private not in text
    assert count_segments(text).segments <= 2 and count_segments(text).encoding == "GSM-7"
