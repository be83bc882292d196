"""The triage engine against the shipped questionnaires: DOMAIN.md's risk table and dispositions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from notifications.content import minimum_category
from triage.engine import (
    SCREENING_INCOMPLETE,
    AnswersInvalid,
    check_answers,
    evaluate,
    needs,
    normalized_answers,
    priority_for,
)
from triage.questionnaire import QUESTIONNAIRE_DIR, Questionnaire, load_directory, load_questionnaire
from triage.schemas import EvaluationRead

OMIT = "<omit>"

# Everything answered "no": risk none, resolved by phone.
ALL_NO = {
    "cssrs_1": "no",
    "cssrs_2": "no",
    "cssrs_6": "no",
    "medical_emergency": "no",
    "attempt_in_progress": "no",
    "weapon_present": "no",
    "violence_now": "no",
    "violence_history": "no",
    "needs_in_person": "no",
    "youth": "no",
}
IDEATION_NO_DETAIL = {"cssrs_2": "yes", "cssrs_3": "no", "cssrs_4": "no", "cssrs_5": "no"}


@pytest.fixture(scope="module")
def cssrs() -> Questionnaire:
    return load_questionnaire(QUESTIONNAIRE_DIR / "cssrs_screener_recent.yaml")


@pytest.fixture(scope="module")
def asq() -> Questionnaire:
    return load_questionnaire(QUESTIONNAIRE_DIR / "asq.yaml")


def answers(base: dict[str, str] | None = None, **changes: str) -> dict[str, str]:
    merged = dict(ALL_NO if base is None else base)
    merged.update(changes)
    return {key: value for key, value in merged.items() if value != OMIT}


@dataclass
class Case:
    name: str
    answers: dict[str, str]
    risk: str
    disposition: str
    priority: str | None
    complete: bool
    reason: str
    flags: list[str] = field(default_factory=list)


CASES = [
    # --- risk table: every row ---
    Case("all no", answers(), "none", "phone", None, True, "Risk level none: no answer raised it"),
    Case("yes to 1 only", answers(cssrs_1="yes"), "low", "phone", None, True,
         "Yes to C-SSRS 1: wish to be dead"),
    Case("yes to 2, no to 3-5", answers(**IDEATION_NO_DETAIL), "low", "phone", None, True,
         "Yes to C-SSRS 2: thoughts of killing oneself"),
    Case("yes to 1 and 2", answers(cssrs_1="yes", **IDEATION_NO_DETAIL), "low", "phone", None,
         True, "Yes to C-SSRS 1: wish to be dead"),
    Case("yes to 3 (method)", answers(**{**IDEATION_NO_DETAIL, "cssrs_3": "yes"}), "moderate",
         "mobile_team", "urgent", True, "Yes to C-SSRS 3: thinking about a method"),
    Case("6 yes, not within 3 months", answers(cssrs_6="yes", cssrs_6_recent="no"), "moderate",
         "mobile_team", "urgent", True, "No to C-SSRS 6: behavior within the past 3 months"),
    Case("yes to 4 (intent)", answers(**{**IDEATION_NO_DETAIL, "cssrs_4": "yes"}), "high",
         "mobile_team", "emergent", True, "Yes to C-SSRS 4: thoughts with intention of acting"),
    Case("yes to 5 (plan)", answers(**{**IDEATION_NO_DETAIL, "cssrs_5": "yes"}), "high",
         "mobile_team", "emergent", True, "Yes to C-SSRS 5: plan with intent to carry it out"),
    Case("6 yes within 3 months", answers(cssrs_6="yes", cssrs_6_recent="yes"), "high",
         "mobile_team", "emergent", True, "Yes to C-SSRS 6: behavior within the past 3 months"),
    Case("most serious wins: 3, 4 and 6 old", answers(
        **{**IDEATION_NO_DETAIL, "cssrs_3": "yes", "cssrs_4": "yes"}, cssrs_6="yes",
        cssrs_6_recent="no"), "high", "mobile_team", "emergent", True,
         "Yes to C-SSRS 4: thoughts with intention of acting"),
    # --- incomplete screenings ---
    Case("2 yes, 3-5 unanswered", answers(cssrs_2="yes"), "incomplete", "mobile_team", "urgent",
         False, SCREENING_INCOMPLETE),
    Case("high stays high when incomplete", answers(cssrs_2="yes", cssrs_4="yes"), "high",
         "mobile_team", "emergent", False, "Yes to C-SSRS 4: thoughts with intention of acting"),
    Case("6 yes, recency unanswered", answers(cssrs_6="yes"), "incomplete", "mobile_team",
         "urgent", False, "Yes to C-SSRS 6: suicidal behavior (lifetime)"),
    Case("low but 6 unanswered is not low", answers(cssrs_1="yes", cssrs_6=OMIT), "incomplete",
         "mobile_team", "urgent", False, "No answer to C-SSRS 6: suicidal behavior (lifetime)"),
    Case("nothing answered", {}, "incomplete", "mobile_team", "urgent", False,
         SCREENING_INCOMPLETE),
    Case("safety screen unanswered", answers(youth=OMIT, needs_in_person=OMIT), "incomplete",
         "mobile_team", "urgent", False, "No answer to person under 18"),
    Case("incomplete, safety rule 1 still first", {"medical_emergency": "yes"}, "incomplete",
         "emergency_911", "emergent", False, "Yes to medical emergency"),
    Case("incomplete, safety rule 3 still first", answers(cssrs_2=OMIT, weapon_present="yes",
         weapon_intent="no"), "incomplete", "co_response", "urgent", False,
         "Yes to weapon present or within reach"),
    Case("weapon intent unanswered", answers(weapon_present="yes"), "incomplete", "co_response",
         "urgent", False, "No answer to intent to use the weapon on self or others"),
    # --- disposition rules 1-6 ---
    Case("rule 1: medical emergency", answers(medical_emergency="yes"), "none", "emergency_911",
         "emergent", True, "Yes to medical emergency"),
    Case("rule 1: attempt in progress beats high risk", answers(
        **{**IDEATION_NO_DETAIL, "cssrs_5": "yes"}, attempt_in_progress="yes"), "high",
         "emergency_911", "emergent", True, "Yes to suicide attempt in progress"),
    Case("rule 2: weapon with intent", answers(weapon_present="yes", weapon_intent="yes"),
         "none", "emergency_911", "emergent", True,
         "Yes to intent to use the weapon on self or others"),
    Case("rule 2: violence now", answers(violence_now="yes"), "none", "emergency_911",
         "emergent", True, "Yes to violence or threats right now"),
    Case("rule 3: weapon present, no intent", answers(weapon_present="yes", weapon_intent="no"),
         "none", "co_response", "urgent", True, "Yes to weapon present or within reach"),
    Case("rule 3: violence history, high risk", answers(
        cssrs_6="yes", cssrs_6_recent="yes", violence_history="yes"), "high", "co_response",
         "emergent", True, "Yes to history of violence or threats"),
    Case("rule 5: needs in person", answers(needs_in_person="yes"), "none", "mobile_team",
         "urgent", True, "Yes to needs someone in person"),
    # --- unknown is never no, and is a flag, not a disposition ---
    Case("weapon unknown stays phone", answers(weapon_present="unknown"), "none", "phone", None,
         True, "Weapon status unknown", ["weapon status unknown"]),
    Case("weapon unknown, moderate risk", answers(
        weapon_present="unknown", cssrs_6="yes", cssrs_6_recent="no"), "moderate", "mobile_team",
         "urgent", True, "Weapon status unknown", ["weapon status unknown"]),
    Case("weapon intent unknown", answers(weapon_present="yes", weapon_intent="unknown"), "none",
         "co_response", "urgent", True, "Weapon intent unknown", ["weapon intent unknown"]),
    Case("violence and medical unknown", answers(violence_now="unknown",
         medical_emergency="unknown"), "none", "phone", None, True, "Violence status unknown",
         ["medical emergency status unknown", "violence status unknown"]),
    Case("age unknown", answers(youth="unknown"), "none", "phone", None, True,
         "Age unknown (may be under 18)", ["age unknown (may be under 18)"]),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_evaluate_follows_domain_rules(cssrs: Questionnaire, case: Case) -> None:
    result = evaluate(cssrs, case.answers)

    assert (result.risk_level, result.disposition, result.priority, result.complete) == (
        case.risk,
        case.disposition,
        case.priority,
        case.complete,
    )
    assert case.reason in result.reasons
    assert result.flags == case.flags
    assert (SCREENING_INCOMPLETE in result.reasons) is (not case.complete)


def test_table_covers_every_risk_level_and_disposition() -> None:
    assert {case.risk for case in CASES} == {"none", "low", "moderate", "high", "incomplete"}
    assert {case.disposition for case in CASES} == {
        "phone",
        "mobile_team",
        "co_response",
        "emergency_911",
    }
    assert len(CASES) >= 25


def test_skipped_branch_is_not_asked_and_not_missing(cssrs: Questionnaire) -> None:
    result = evaluate(cssrs, answers())

    assert "cssrs_3" not in result.asked
    assert "cssrs_6_recent" not in result.asked
    assert result.missing == []


def test_asked_lists_shown_questions_in_order(cssrs: Questionnaire) -> None:
    result = evaluate(cssrs, answers(cssrs_2="yes", cssrs_6="yes"))

    assert result.asked[:7] == [
        "cssrs_1",
        "cssrs_2",
        "cssrs_3",
        "cssrs_4",
        "cssrs_5",
        "cssrs_6",
        "cssrs_6_recent",
    ]
    assert result.missing == ["cssrs_3", "cssrs_4", "cssrs_5", "cssrs_6_recent"]


def test_needs_carry_youth_and_language(cssrs: Questionnaire) -> None:
    result = evaluate(cssrs, answers(youth="yes", language="es"))

    assert result.needs == {"youth": True, "language": "es"}
    assert needs(cssrs, answers(youth="unknown")) == {"youth": None, "language": None}


def test_the_evaluate_answer_has_the_contract_fields(cssrs: Questionnaire) -> None:
    body = EvaluationRead.of(evaluate(cssrs, answers(weapon_present="unknown"))).model_dump(mode="json")

    assert {"risk_level", "disposition", "priority", "reasons", "asked", "complete"} <= set(body)
    assert body["flags"] == ["weapon status unknown"]
    assert body["questionnaire"] == {"id": "cssrs_screener_recent", "version": 1}


@pytest.mark.parametrize("said", ["es", "ES", "Spanish", "spanish", "español", "ESPAÑOL", "Espanol", " castellano "])
def test_a_language_by_code_or_by_name_is_its_code(cssrs: Questionnaire, said: str) -> None:
    assert check_answers(cssrs, {"language": said}) == {}
    assert evaluate(cssrs, answers(language=said)).needs["language"] == "es"
    assert normalized_answers(cssrs, {"language": said, "youth": "yes"}) == {"language": "es", "youth": "yes"}


@pytest.mark.parametrize(
    ("given", "field_name", "words"),
    [
        ({"cssrs_9": "yes"}, "answers.cssrs_9", "no such question"),
        ({"cssrs_1": "maybe"}, "answers.cssrs_1", "one of: yes, no"),
        ({"cssrs_1": "unknown"}, "answers.cssrs_1", "one of: yes, no"),
        ({"weapon_present": True}, "answers.weapon_present", "text value"),
        ({"cssrs_2": "no", "cssrs_3": "yes"}, "answers.cssrs_3", "cssrs_2 is yes"),
        ({"cssrs_4": "yes"}, "answers.cssrs_4", "not asked"),
        ({"weapon_present": "no", "weapon_intent": "yes"}, "answers.weapon_intent", "not asked"),
        ({"language": "Klingon"}, "answers.language", "ISO 639-1"),
        ({"language": "xx"}, "answers.language", "ISO 639-1"),
    ],
)
def test_check_answers_names_the_bad_field(
    cssrs: Questionnaire, given: dict[str, object], field_name: str, words: str
) -> None:
    errors = check_answers(cssrs, given)

    assert field_name in errors
    assert words in errors[field_name]


def test_check_answers_accepts_a_full_valid_set(cssrs: Questionnaire) -> None:
    assert check_answers(cssrs, answers(cssrs_6="yes", cssrs_6_recent="no", language="fr")) == {}


def test_an_empty_answer_is_no_answer(cssrs: Questionnaire) -> None:
    result = evaluate(cssrs, answers(cssrs_6="", language=""))

    assert check_answers(cssrs, {"cssrs_6": ""}) == {}
    assert result.missing == ["cssrs_6"]
    assert result.risk_level == "incomplete"


def test_a_bad_controller_answer_is_reported_once(cssrs: Questionnaire) -> None:
    errors = check_answers(cssrs, {"cssrs_2": "perhaps", "cssrs_3": "yes"})

    assert list(errors) == ["answers.cssrs_2"]


def test_evaluate_refuses_invalid_answers(cssrs: Questionnaire) -> None:
    with pytest.raises(AnswersInvalid) as refused:
        evaluate(cssrs, answers(cssrs_3="yes"))

    assert "answers.cssrs_3" in refused.value.fields


ASQ_NO = {key: value for key, value in ALL_NO.items() if not key.startswith("cssrs")}


@pytest.mark.parametrize(
    ("asq_answers", "risk", "disposition", "priority", "reason"),
    [
        ({"asq_1": "no", "asq_2": "no", "asq_3": "no", "asq_4": "no"}, "none", "phone", None,
         "Risk level none: no answer raised it"),
        ({"asq_1": "no", "asq_2": "no", "asq_3": "no", "asq_4": "yes", "asq_5": "no"},
         "moderate", "mobile_team", "urgent", "Yes to ASQ 4: ever tried to kill oneself"),
        ({"asq_1": "declined", "asq_2": "no", "asq_3": "no", "asq_4": "no", "asq_5": "no"},
         "moderate", "mobile_team", "urgent",
         "ASQ 1: wished to be dead (past few weeks): declined"),
        ({"asq_1": "yes", "asq_2": "yes", "asq_3": "yes", "asq_4": "no", "asq_5": "yes"},
         "high", "mobile_team", "emergent",
         "Yes to ASQ 5: thoughts of killing oneself right now"),
        ({"asq_1": "yes", "asq_2": "no", "asq_3": "no", "asq_4": "no", "asq_5": "declined"},
         "high", "mobile_team", "emergent",
         "ASQ 5: thoughts of killing oneself right now: declined"),
        ({"asq_1": "yes", "asq_2": "no", "asq_3": "no", "asq_4": "no"}, "incomplete",
         "mobile_team", "urgent", "No answer to ASQ 5: thoughts of killing oneself right now"),
    ],
)  # fmt: skip
def test_asq_results_map_to_risk_levels(
    asq: Questionnaire,
    asq_answers: dict[str, str],
    risk: str,
    disposition: str,
    priority: str | None,
    reason: str,
) -> None:
    result = evaluate(asq, {**ASQ_NO, **asq_answers})

    assert (result.risk_level, result.disposition, result.priority) == (risk, disposition, priority)
    assert reason in result.reasons


def test_asq_acuity_question_is_asked_only_after_a_positive_answer(asq: Questionnaire) -> None:
    negative = {"asq_1": "no", "asq_2": "no", "asq_3": "no", "asq_4": "no"}

    assert "asq_5" not in evaluate(asq, {**ASQ_NO, **negative}).asked
    assert check_answers(asq, {**negative, "asq_5": "no"}) == {
        "answers.asq_5": "not asked with these answers: shown only when "
        "(asq_1 is yes or declined or asq_2 is yes or declined or asq_3 is yes or declined "
        "or asq_4 is yes or declined)"
    }


SKIP_TEST_FILE = """
id: skip_test
version: 1
title: Skipped is not no
licence: test only
sections:
  - id: main
    title: Main
    questions:
      - {id: q1, text: "Q1?", type: yes_no}
      - {id: q2, text: "Q2?", type: yes_no, show_if: {answer: q1, is: yes}}
risk_rules:
  - risk: low
    when: {answer: q2, is: no}
  - risk: none
disposition_rules:
  - disposition: phone
"""


def test_a_skipped_question_does_not_match_no(tmp_path: Path) -> None:
    path = tmp_path / "skip.yaml"
    path.write_text(SKIP_TEST_FILE, encoding="utf-8")
    questionnaire = load_questionnaire(path)

    assert evaluate(questionnaire, {"q1": "no"}).risk_level == "none"
    assert evaluate(questionnaire, {"q1": "yes", "q2": "no"}).risk_level == "low"


# DOMAIN.md "Priority by disposition", one row per disposition and risk that changes it.
@pytest.mark.parametrize(
    ("disposition", "risk", "priority"),
    [
        ("phone", "none", None),
        ("phone", "high", None),
        ("emergency_911", "none", "emergent"),
        ("emergency_911", "incomplete", "emergent"),
        ("mobile_team", "high", "emergent"),
        ("mobile_team", "moderate", "urgent"),
        ("mobile_team", "incomplete", "urgent"),
        ("co_response", "high", "emergent"),
        ("co_response", "low", "urgent"),
    ],
)
def test_priority_by_disposition(disposition, risk, priority):
    assert priority_for(disposition, risk) == priority


# The concern a dispatch text names, from each questionnaire's concern_rules.
@pytest.mark.parametrize(
    ("which", "given", "concern"),
    [
        ("cssrs", {"cssrs_1": "yes"}, "suicidal ideation"),
        ("cssrs", IDEATION_NO_DETAIL, "suicidal ideation"),
        ("cssrs", {"cssrs_6": "yes", "cssrs_6_recent": "yes"}, "crisis support"),  # behaviour, no ideation
        ("cssrs", {"needs_in_person": "yes"}, "welfare check"),
        ("cssrs", {"cssrs_1": OMIT, "needs_in_person": "yes"}, "welfare check"),  # unanswered is not yes
        ("cssrs", {}, "crisis support"),
        ("asq", {"asq_1": "yes", "asq_5": "no"}, "suicidal ideation"),
        ("asq", {"asq_2": "yes", "asq_5": "no"}, "suicidal ideation"),
        ("asq", {"asq_3": "yes", "asq_5": "no"}, "suicidal ideation"),
        ("asq", {"asq_4": "yes", "asq_5": "yes"}, "suicidal ideation"),
        ("asq", {"asq_4": "yes", "asq_5": "no"}, "crisis support"),  # a past attempt alone
        ("asq", {"asq_1": "declined", "asq_5": "declined"}, "crisis support"),
        ("asq", {"needs_in_person": "yes"}, "welfare check"),
        ("asq", {}, "crisis support"),
    ],
)
def test_the_concern_comes_from_the_questionnaire(
    cssrs: Questionnaire, asq: Questionnaire, which: str, given: dict[str, str], concern: str
) -> None:
    if which == "cssrs":
        result = evaluate(cssrs, answers(**given))
    else:
        result = evaluate(asq, {key: value for key, value in {**ASQ_NO, **given}.items() if value != OMIT})
    assert result.concern == concern
    assert EvaluationRead.of(result).model_dump(mode="json")["concern"] == concern


def test_every_shipped_concern_is_fit_for_an_sms() -> None:
    for questionnaire in load_directory(QUESTIONNAIRE_DIR).values():
        assert questionnaire.concern_rules, f"{questionnaire.id} names no concern"
        for rule in questionnaire.concern_rules:
            assert minimum_category(rule.concern) == rule.concern
