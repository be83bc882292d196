"""Loading questionnaire files: the shipped ones load, and each kind of bad file is refused."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from triage.questionnaire import (
    QUESTIONNAIRE_DIR,
    QuestionnaireError,
    latest,
    load_directory,
    load_questionnaire,
)
from triage.schemas import QuestionnaireRead

DOMAIN_IDS = [
    "cssrs_1", "cssrs_2", "cssrs_3", "cssrs_4", "cssrs_5", "cssrs_6", "cssrs_6_recent",
    "medical_emergency", "attempt_in_progress", "weapon_present", "weapon_intent", "violence_now",
    "violence_history", "needs_in_person", "youth", "language",
]  # fmt: skip

MINIMAL: dict[str, Any] = {
    "id": "mini",
    "version": 1,
    "title": "Mini",
    "licence": "Test only",
    "sections": [
        {
            "id": "main",
            "title": "Main",
            "questions": [
                {"id": "q1", "text": "Q1?", "type": "yes_no"},
                {"id": "q2", "text": "Q2?", "type": "yes_no",
                 "show_if": {"answer": "q1", "is": "yes"}},
                {"id": "q3", "text": "Q3?", "type": "yes_no_unknown"},
                {"id": "q4", "text": "Q4?", "type": "choice", "options": ["red", "green"]},
            ],
        }
    ],
    "risk_rules": [
        {"risk": "high", "when": {"answer": "q2", "is": "yes"}},
        {"risk": "low", "when": {"answer": "q1", "is": "yes"}},
        {"risk": "none"},
    ],
    "disposition_rules": [
        {"disposition": "emergency_911", "when": {"answer": "q3", "is": "yes"}},
        {"disposition": "mobile_team", "when": {"risk": "high"}},
        {"disposition": "phone"},
    ],
}  # fmt: skip


def write(tmp_path: Path, data: Any, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def minimal() -> dict[str, Any]:
    return copy.deepcopy(MINIMAL)


def questions(data: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = data["sections"][0]["questions"]
    return found


def refusal(tmp_path: Path, data: Any) -> str:
    path = write(tmp_path, data)
    with pytest.raises(QuestionnaireError) as refused:
        load_questionnaire(path)
    message = str(refused.value)
    assert str(path) in message
    return message


def test_both_shipped_files_load() -> None:
    catalog = load_directory(QUESTIONNAIRE_DIR)

    assert set(catalog) == {("cssrs_screener_recent", 1), ("asq", 1)}
    cssrs = latest(catalog, "cssrs_screener_recent")
    assert [question.id for question in cssrs.questions] == DOMAIN_IDS
    assert "Clario" in cssrs.licence
    asq_ids = [question.id for question in catalog[("asq", 1)].questions]
    assert asq_ids == ["asq_1", "asq_2", "asq_3", "asq_4", "asq_5", *DOMAIN_IDS[7:]]


def test_cssrs_wording_and_branching_are_published_ones() -> None:
    cssrs = load_questionnaire(QUESTIONNAIRE_DIR / "cssrs_screener_recent.yaml")
    text = {question.id: question.text for question in cssrs.questions}

    assert text["cssrs_1"] == ("Have you wished you were dead or wished you could go to sleep and not wake up?")
    assert text["cssrs_2"] == "Have you actually had any thoughts of killing yourself?"
    assert "If YES to 2, ask questions 3, 4, 5" in (cssrs.by_id["cssrs_2"].help or "")
    assert text["cssrs_6_recent"] == "Was this within the past three months?"


def _shown(path: Path) -> dict[str, Any]:
    """The questionnaire as `GET /api/v1/triage/questionnaire` answers it."""
    return QuestionnaireRead.model_validate(load_questionnaire(path)).model_dump(mode="json")


def test_the_questionnaire_answer_matches_the_contract() -> None:
    body = _shown(QUESTIONNAIRE_DIR / "cssrs_screener_recent.yaml")

    assert (body["id"], body["version"]) == ("cssrs_screener_recent", 1)
    first = body["sections"][0]
    assert {"id", "title", "questions"} <= set(first)
    by_id = {q["id"]: q for section in body["sections"] for q in section["questions"]}
    assert by_id["cssrs_3"]["show_if"] == {"question": "cssrs_2", "equals": "yes"}
    assert by_id["weapon_intent"]["show_if"] == {"question": "weapon_present", "equals": "yes"}
    assert by_id["weapon_present"]["options"] == ["yes", "no", "unknown"]
    assert by_id["language"]["type"] == "text" and "options" not in by_id["language"]


def test_asq_show_if_is_simple_for_a_browser() -> None:
    body = _shown(QUESTIONNAIRE_DIR / "asq.yaml")
    asq_5 = body["sections"][0]["questions"][4]

    assert asq_5["show_if"]["any"][0] == {"question": "asq_1", "in": ["yes", "declined"]}


def test_unquoted_yes_and_no_are_answers_not_booleans(tmp_path: Path) -> None:
    text = yaml.safe_dump(MINIMAL).replace("'yes'", "yes")
    assert "is: yes" in text

    questionnaire = load_questionnaire(write(tmp_path, text, "mini.yaml"))

    assert questionnaire.by_id["q1"].options == ("yes", "no")


def unknown_id_in_show_if(data: dict[str, Any]) -> None:
    questions(data)[1]["show_if"] = {"answer": "q9", "is": "yes"}


def unknown_id_in_rule(data: dict[str, Any]) -> None:
    data["risk_rules"][0]["when"] = {"answer": "cssrs_9", "is": "yes"}


def duplicate_question_id(data: dict[str, Any]) -> None:
    questions(data)[2]["id"] = "q1"


def show_if_cycle(data: dict[str, Any]) -> None:
    questions(data)[0]["show_if"] = {"answer": "q2", "is": "no"}


def show_if_later_question(data: dict[str, Any]) -> None:
    questions(data)[0]["show_if"] = {"answer": "q3", "is": "yes"}


def show_if_value_not_an_option(data: dict[str, Any]) -> None:
    questions(data)[1]["show_if"] = {"answer": "q1", "is": "unknown"}


def rule_value_not_an_option(data: dict[str, Any]) -> None:
    data["disposition_rules"][0]["when"] = {"answer": "q4", "is": "blue"}


def rule_on_a_skipped_question(data: dict[str, Any]) -> None:
    # q2 is shown only when q1 is yes, so "q1 no and q2 yes" cannot happen.
    data["risk_rules"][0]["when"] = {"all": [{"answer": "q1", "is": "no"}, {"answer": "q2", "is": "yes"}]}


def rule_after_catch_all(data: dict[str, Any]) -> None:
    data["disposition_rules"].append({"disposition": "mobile_team", "when": {"risk": "low"}})


def no_catch_all_disposition(data: dict[str, Any]) -> None:
    data["disposition_rules"].pop()


def no_catch_all_risk(data: dict[str, Any]) -> None:
    data["risk_rules"].pop()


def risk_rules_out_of_order(data: dict[str, Any]) -> None:
    data["risk_rules"][0], data["risk_rules"][1] = data["risk_rules"][1], data["risk_rules"][0]


def misspelt_field(data: dict[str, Any]) -> None:
    questions(data)[1]["show-if"] = questions(data)[1].pop("show_if")


def unknown_disposition(data: dict[str, Any]) -> None:
    data["disposition_rules"][1]["disposition"] = "police"


def unknown_question_type(data: dict[str, Any]) -> None:
    questions(data)[0]["type"] = "scale"


def concern_on_an_unknown_question(data: dict[str, Any]) -> None:
    data["concern_rules"] = [{"concern": "welfare check", "when": {"answer": "q9", "is": "yes"}}, {"concern": "x"}]


def concern_with_details(data: dict[str, Any]) -> None:
    data["concern_rules"] = [{"concern": "suicidal ideation, high risk, plan with a method"}]


def concern_after_catch_all(data: dict[str, Any]) -> None:
    data["concern_rules"] = [
        {"concern": "crisis support"},
        {"concern": "welfare check", "when": {"answer": "q1", "is": "yes"}},
    ]


def concern_rule_on_risk(data: dict[str, Any]) -> None:
    data["concern_rules"] = [{"concern": "crisis support", "when": {"risk": "high"}}]


def concern_rule_misspelt(data: dict[str, Any]) -> None:
    data["concern_rules"] = [{"concern": "crisis support", "if": {"answer": "q1", "is": "yes"}}]


@pytest.mark.parametrize(
    ("spoil", "words"),
    [
        (unknown_id_in_show_if, "question q2 show_if: unknown question id 'q9'"),
        (unknown_id_in_rule, "risk_rules rule 1: unknown question id 'cssrs_9'"),
        (duplicate_question_id, "duplicate question id 'q1'"),
        (show_if_cycle, "show_if cycle: q1 -> q2 -> q1"),
        (show_if_later_question, "question q1 show_if: refers to q3, which comes later"),
        (show_if_value_not_an_option, "'unknown' is not an option of q1"),
        (rule_value_not_an_option, "'blue' is not an option of q4 (options: red, green)"),
        (rule_on_a_skipped_question, "risk_rules rule 1 can never match"),
        (rule_after_catch_all, "disposition_rules rule 4 comes after the catch-all rule 3"),
        (no_catch_all_disposition, "'disposition_rules' has no catch-all rule"),
        (no_catch_all_risk, "'risk_rules' has no catch-all rule"),
        (risk_rules_out_of_order, "risk_rules must go from the most serious level"),
        (misspelt_field, "unknown field 'show-if'"),
        (unknown_disposition, "disposition 'police' is not one of"),
        (unknown_question_type, "type 'scale' is not one of"),
        (concern_on_an_unknown_question, "concern_rules rule 1: unknown question id 'q9'"),
        (concern_with_details, "concern_rules rule 1: a concern is a few plain words"),
        (concern_after_catch_all, "concern_rules rule 2 comes after the catch-all rule 1"),
        (concern_rule_on_risk, "concern_rules rule 1: 'risk' conditions are allowed only in disposition rules"),
        (concern_rule_misspelt, "concern_rules rule 1: unknown field 'if'"),
    ],
    ids=lambda value: getattr(value, "__name__", "message"),
)
def test_bad_file_is_refused_with_its_problem(tmp_path: Path, spoil: Any, words: str) -> None:
    data = minimal()
    spoil(data)

    assert words in refusal(tmp_path, data)


def test_the_minimal_file_itself_loads(tmp_path: Path) -> None:
    questionnaire = load_questionnaire(write(tmp_path, minimal(), "mini.yaml"))

    assert questionnaire.key == ("mini", 1)


def test_not_yaml_is_refused(tmp_path: Path) -> None:
    assert "not valid YAML" in refusal(tmp_path, "id: [unclosed\n")


def test_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    text = yaml.safe_dump(MINIMAL) + "id: other\n"

    assert "duplicate key 'id'" in refusal(tmp_path, text)


def test_directory_refuses_two_files_with_one_id_and_version(tmp_path: Path) -> None:
    write(tmp_path, minimal(), "a.yaml")
    write(tmp_path, minimal(), "b.yaml")

    with pytest.raises(QuestionnaireError) as refused:
        load_directory(tmp_path)

    assert "b.yaml" in str(refused.value)
    assert "already defined by" in str(refused.value)


def test_latest_picks_the_highest_version(tmp_path: Path) -> None:
    newer = minimal()
    newer["version"] = 2
    write(tmp_path, minimal(), "v1.yaml")
    write(tmp_path, newer, "v2.yaml")

    assert latest(load_directory(tmp_path), "mini").version == 2
