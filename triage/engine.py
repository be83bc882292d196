"""The triage engine: answers in, risk level, disposition, priority and their reasons out.

Pure and deterministic: no Flask, no database, no clock. Every question id and every rule comes
from the questionnaire file; what is written here are the rules DOMAIN.md sets for all
questionnaires (incomplete screenings, unknown answers, priority by disposition).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from triage import languages, rules
from triage.questionnaire import Question, Questionnaire
from triage.rules import AnswerIs, RiskIs, Truth

log = logging.getLogger(__name__)

SCREENING_INCOMPLETE = "screening incomplete"
MAX_TEXT_ANSWER = 500
LANGUAGE_FORMAT = "language_code"  # a text answer naming a language, stored as its ISO 639-1 code

NeedValue = bool | str | None


class AnswersInvalid(ValueError):
    """Answers that do not fit the questionnaire; `fields` maps "answers.<id>" to the problem."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        super().__init__("invalid answers: " + "; ".join(f"{k}: {v}" for k, v in fields.items()))


@dataclass(frozen=True, slots=True)
class TriageResult:
    questionnaire_id: str
    questionnaire_version: int
    risk_level: str  # none | low | moderate | high | incomplete
    disposition: str  # phone | mobile_team | co_response | emergency_911
    priority: str | None  # emergent | urgent | None (routine is set only by an operator)
    reasons: list[str]
    flags: list[str]
    asked: list[str]  # questions shown with these answers, in questionnaire order
    complete: bool
    missing: list[str] = field(default_factory=list)  # shown, required, unanswered
    needs: dict[str, NeedValue] = field(default_factory=dict)
    disposition_note: str | None = None
    instruction: str | None = None  # e.g. "Transfer to 911 now — medical emergency"
    # What the dispatch text names, in plain words ("suicidal ideation"): the questionnaire's
    # concern_rules; None when it has none or none matched.
    concern: str | None = None


class _Screening:
    """One answer set read against one questionnaire, in three-valued logic."""

    def __init__(self, questionnaire: Questionnaire, answers: Mapping[str, str]) -> None:
        self.questionnaire = questionnaire
        self.answers = {key: value for key, value in answers.items() if value != ""}
        self.risk_level = "incomplete"
        self.shown: dict[str, Truth] = {}
        for question in questionnaire.questions:
            if question.show_if is None:
                self.shown[question.id] = True
            else:
                self.shown[question.id] = rules.evaluate(question.show_if, self.leaf)

    def leaf(self, atom: AnswerIs | RiskIs) -> Truth:
        if isinstance(atom, RiskIs):
            return self.risk_level in atom.levels
        shown = self.shown.get(atom.question_id, False)
        if shown is False:
            return False  # skipped by its branch: matches no value, not even "no"
        value = self.answers.get(atom.question_id)
        if value is None:
            if shown is None or self.questionnaire.by_id[atom.question_id].required:
                return None  # it should be (or may yet be) asked: pending
            return False
        return value in atom.values if shown else None

    def reason(self, atom: AnswerIs | RiskIs) -> str:
        if isinstance(atom, RiskIs):
            return f"Risk level {self.risk_level}"
        label = self.questionnaire.by_id[atom.question_id].label
        value = self.answers[atom.question_id]
        if value in ("yes", "no"):
            return f"{value.capitalize()} to {label}"
        return f"{label}: {value}"


def _need(question: Question, value: str | None) -> NeedValue:
    if question.type == "text":
        return value.strip() if value and value.strip() else None
    return {"yes": True, "no": False}.get(value or "")


def needs(questionnaire: Questionnaire, answers: Mapping[str, str]) -> dict[str, NeedValue]:
    """What the incident must carry for matching a unit, e.g. {"youth": True, "language": "es"}.

    A yes/no need is True, False or None (unknown or unanswered); a text need is the text or None.
    """
    return {
        need: _need(questionnaire.by_id[question_id], answers.get(question_id))
        for need, question_id in questionnaire.needs.items()
    }


def check_answers(questionnaire: Questionnaire, answers: Mapping[str, object]) -> dict[str, str]:
    """Field errors ("answers.<id>" -> problem) for answers the questionnaire cannot take.

    Refused: an unknown question id, a value the question does not offer (or a malformed text),
    and an answer to a question that is not shown given the other answers. An empty string is
    taken as no answer.
    """
    errors: dict[str, str] = {}
    valid: dict[str, str] = {}
    for key, value in answers.items():
        name = f"answers.{key}"
        question = questionnaire.by_id.get(key)
        if question is None:
            errors[name] = f"no such question in {questionnaire.id} version {questionnaire.version}"
        elif not isinstance(value, str):
            errors[name] = "must be a text value"
        elif value == "":
            continue  # an empty answer is no answer
        elif question.options is not None and value not in question.options:
            errors[name] = f"must be one of: {', '.join(question.options)}"
        elif question.options is None and len(value) > MAX_TEXT_ANSWER:
            errors[name] = f"must be at most {MAX_TEXT_ANSWER} characters"
        elif question.format == LANGUAGE_FORMAT and languages.code_for(value) is None:
            errors[name] = (
                "not a language this service knows: give its ISO 639-1 code or its name (es, Spanish, español)"
            )
        else:
            valid[key] = value
    screening = _Screening(questionnaire, valid)
    for key, value in valid.items():
        question = questionnaire.by_id[key]
        if value == "" or screening.shown[key] is True or question.show_if is None:
            continue
        depends_on = [a.question_id for a in rules.atoms(question.show_if) if isinstance(a, AnswerIs)]
        if any(f"answers.{other}" in errors for other in depends_on):
            continue  # the real problem is reported on the question it depends on
        errors[f"answers.{key}"] = f"not asked with these answers: shown only when {rules.describe(question.show_if)}"
    return errors


def normalized_answers(questionnaire: Questionnaire, answers: Mapping[str, str]) -> dict[str, str]:
    """The answers as they are stored: a language named in words ("Spanish", "español") becomes
    its ISO 639-1 code ("es"); every other answer, and a language not in the table, as given."""
    result = dict(answers)
    for key, value in answers.items():
        question = questionnaire.by_id.get(key)
        if question is not None and question.format == LANGUAGE_FORMAT and isinstance(value, str) and value:
            result[key] = languages.code_for(value) or value
    return result


def priority_for(disposition: str, risk_level: str) -> str | None:
    """DOMAIN.md "Priority by disposition": `phone` has none; `emergency_911` is emergent; a team
    (`mobile_team`, `co_response`) is emergent when the risk is high, else urgent. `routine` is
    never computed: only an operator sets it. An operator's overridden disposition takes its
    priority from here too (triage.service.decide)."""
    if disposition == "phone":
        return None
    if disposition == "emergency_911" or risk_level == "high":
        return "emergent"
    return "urgent"


def _concern(questionnaire: Questionnaire, screening: _Screening) -> str | None:
    """The first concern rule the answers establish (one still pending an answer is passed by)."""
    for rule in questionnaire.concern_rules:
        if rule.when is None or rules.evaluate(rule.when, screening.leaf) is True:
            return rule.concern
    return None


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def evaluate(questionnaire: Questionnaire, answers: Mapping[str, str]) -> TriageResult:
    """Read one answer set; raise `AnswersInvalid` when `check_answers` finds a problem."""
    errors = check_answers(questionnaire, answers)
    if errors:
        raise AnswersInvalid(errors)
    answers = normalized_answers(questionnaire, answers)
    screening = _Screening(questionnaire, answers)
    asked = [q.id for q in questionnaire.questions if screening.shown[q.id] is True]
    missing = [
        question_id
        for question_id in asked
        if question_id not in screening.answers and questionnaire.by_id[question_id].required
    ]
    complete = not missing

    # Risk: rules run from the most serious level down; the first one the answers establish wins.
    established = "none"
    risk_reasons: list[str] = []
    pending_reasons: list[str] = []
    for rule in questionnaire.risk_rules:
        truth = True if rule.when is None else rules.evaluate(rule.when, screening.leaf)
        if rule.when is not None and truth is not False:
            found = [screening.reason(a) for a in rules.deciding_atoms(rule.when, screening.leaf)]
            (risk_reasons if truth else pending_reasons).extend(found)
        if truth is True:
            established = rule.risk
            break
    if complete or established == "high":
        risk_level = established
    else:
        risk_level = "incomplete"
        risk_reasons = pending_reasons + risk_reasons
    screening.risk_level = risk_level

    # Disposition: first rule the answers establish; a rule still pending an answer is passed by.
    disposition, note, instruction, disposition_reasons = "phone", None, None, []
    for disposition_rule in questionnaire.disposition_rules:
        when = disposition_rule.when
        if when is None or rules.evaluate(when, screening.leaf) is True:
            disposition, note = disposition_rule.disposition, disposition_rule.note
            instruction = disposition_rule.instruction
            if when is not None:
                deciding = rules.deciding_atoms(when, screening.leaf)
                # Risk leaves are explained by the risk reasons: keep the answers themselves.
                disposition_reasons = [screening.reason(atom) for atom in deciding if isinstance(atom, AnswerIs)]
            break
    if not complete and disposition == "phone":
        disposition = "mobile_team"  # DOMAIN.md: an incomplete screening is never resolved by phone

    flags = _dedupe(
        [q.unknown_flag for q in questionnaire.questions if q.unknown_flag and screening.answers.get(q.id) == "unknown"]
    )
    reasons = disposition_reasons + risk_reasons
    if complete and not risk_reasons:
        reasons.append(f"Risk level {risk_level}: no answer raised it")
    reasons.extend(flag[:1].upper() + flag[1:] for flag in flags)
    if not complete:
        reasons.append(SCREENING_INCOMPLETE)
        reasons.extend(f"No answer to {questionnaire.by_id[q].label}" for q in missing)
    return TriageResult(
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        risk_level=risk_level,
        disposition=disposition,
        priority=priority_for(disposition, risk_level),
        reasons=_dedupe(reasons),
        flags=flags,
        asked=asked,
        complete=complete,
        missing=missing,
        needs=needs(questionnaire, screening.answers),
        disposition_note=note,
        instruction=instruction,
        concern=_concern(questionnaire, screening),
    )
