"""Questionnaires: versioned YAML data files, loaded and checked before anyone relies on them.

The file format is described in ``triage/questionnaires/README.md``. A file that breaks a rule is
refused with a `QuestionnaireError` that names the file and the problem; nothing half-loaded is
ever returned.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from triage import rules
from triage.rules import Condition

log = logging.getLogger(__name__)

QUESTIONNAIRE_DIR = Path(__file__).resolve().parent / "questionnaires"
DEFAULT_QUESTIONNAIRE_ID = "cssrs_screener_recent"

QUESTION_TYPES = ("yes_no", "yes_no_unknown", "text", "choice")
DISPOSITIONS = ("phone", "mobile_team", "co_response", "emergency_911")
# A disposition in words, the same on every page (core/pages.py hands them to the scripts).
DISPOSITION_LABELS = {
    "phone": "phone",
    "mobile_team": "mobile team",
    "co_response": "co-response (team with police)",
    "emergency_911": "911",
}
TEXT_FORMATS = ("language_code",)
_FIXED_OPTIONS = {"yes_no": ("yes", "no"), "yes_no_unknown": ("yes", "no", "unknown")}
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class QuestionnaireError(ValueError):
    """A questionnaire file was refused. `problems` lists every problem found."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        super().__init__(f"questionnaire {self.path} refused: " + "; ".join(self.problems))


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str
    type: str
    section_id: str
    label: str
    options: tuple[str, ...] | None = None
    show_if: Condition | None = None
    help: str | None = None
    required: bool = True
    unknown_flag: str | None = None
    format: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    questions: tuple[Question, ...]
    instructions: str | None = None


@dataclass(frozen=True, slots=True)
class RiskRule:
    risk: str
    when: Condition | None  # None: the catch-all


@dataclass(frozen=True, slots=True)
class DispositionRule:
    disposition: str
    when: Condition | None  # None: the catch-all
    note: str | None = None
    # What the operator must do now, shown as a banner and stored on the call (emergency_911).
    instruction: str | None = None


@dataclass(frozen=True, slots=True)
class ConcernRule:
    """The concern a dispatch text names in plain words ("suicidal ideation") when `when` holds."""

    concern: str
    when: Condition | None  # None: the catch-all


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: int
    title: str
    licence: str
    sections: tuple[Section, ...]
    risk_rules: tuple[RiskRule, ...]
    disposition_rules: tuple[DispositionRule, ...]
    # Incident need name ("youth", "language") -> the question that answers it.
    needs: Mapping[str, str]
    source: str | None = None
    path: str | None = None
    # First rule the answers establish names the concern; none: the text names no concern.
    concern_rules: tuple[ConcernRule, ...] = ()
    questions: tuple[Question, ...] = field(init=False)
    by_id: Mapping[str, Question] = field(init=False)

    def __post_init__(self) -> None:
        ordered = tuple(question for section in self.sections for question in section.questions)
        object.__setattr__(self, "questions", ordered)
        object.__setattr__(self, "by_id", {question.id: question for question in ordered})

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)


# --- YAML reading ------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: `yes`, `no`, `on`, `off` stay words (they are answers here)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


def load_questionnaire(path: Path | str) -> Questionnaire:
    """Read and check one questionnaire file; raise `QuestionnaireError` when it is refused."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QuestionnaireError(path, [f"cannot read the file: {exc.strerror}"]) from exc
    try:
        raw = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        raise QuestionnaireError(path, [f"not valid YAML: {exc}"]) from exc
    questionnaire = _build(raw, path=path)
    log.info("loaded questionnaire %s v%d from %s", questionnaire.id, questionnaire.version, path)
    return questionnaire


def load_directory(
    directory: Path | str = QUESTIONNAIRE_DIR,
) -> dict[tuple[str, int], Questionnaire]:
    """Every ``*.yaml`` questionnaire in `directory`, keyed by (id, version)."""
    catalog: dict[tuple[str, int], Questionnaire] = {}
    for path in sorted(Path(directory).glob("*.y*ml")):
        questionnaire = load_questionnaire(path)
        if questionnaire.key in catalog:
            first = catalog[questionnaire.key].path
            raise QuestionnaireError(
                path,
                [(f"id {questionnaire.id!r} version {questionnaire.version} is already defined by {first}")],
            )
        catalog[questionnaire.key] = questionnaire
    log.info("loaded %d questionnaires from %s", len(catalog), directory)
    return catalog


def latest(catalog: Mapping[tuple[str, int], Questionnaire], questionnaire_id: str) -> Questionnaire:
    """The highest version of `questionnaire_id`; KeyError when there is none."""
    versions = [q for (qid, _), q in catalog.items() if qid == questionnaire_id]
    if not versions:
        raise KeyError(questionnaire_id)
    return max(versions, key=lambda questionnaire: questionnaire.version)


# --- building and checking ---------------------------------------------------------------------

_TOP_KEYS = {
    "id", "version", "title", "licence", "source", "sections", "risk_rules",
    "disposition_rules", "concern_rules", "needs",
}  # fmt: skip
_SECTION_KEYS = {"id", "title", "instructions", "questions"}
_QUESTION_KEYS = {
    "id", "text", "type", "label", "options", "show_if", "help", "required", "unknown_flag",
    "format",
}  # fmt: skip
_RISK_RULE_KEYS = {"risk", "when"}
_DISPOSITION_RULE_KEYS = {"disposition", "when", "note", "instruction"}
_CONCERN_RULE_KEYS = {"concern", "when"}
# A concern travels in an unencrypted SMS: a few plain words, never a detail (DOMAIN.md).
MAX_CONCERN = 40


def _keys(raw: Mapping[str, Any], allowed: set[str], where: str, problems: list[str]) -> None:
    unknown = sorted(str(key) for key in raw if key not in allowed)
    if unknown:
        problems.append(f"{where}: unknown field {', '.join(repr(k) for k in unknown)}")


def _text(raw: Mapping[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: '{key}' must be a non-empty text")
        return ""
    return value.strip()


def _optional_text(raw: Mapping[str, Any], key: str, where: str, problems: list[str]) -> str | None:
    if raw.get(key) is None:
        return None
    return _text(raw, key, where, problems)


def _condition(raw: object, where: str, problems: list[str], *, allow_risk: bool) -> Condition | None:
    try:
        return rules.parse_condition(raw, allow_risk=allow_risk)
    except rules.RuleSyntaxError as exc:
        problems.append(f"{where}: {exc}")
        return None


def _question(raw: object, section_id: str, where: str, problems: list[str]) -> Question | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: a question must be a mapping")
        return None
    _keys(raw, _QUESTION_KEYS, where, problems)
    question_id = raw.get("id")
    if not isinstance(question_id, str) or not _ID_PATTERN.match(question_id):
        problems.append(f"{where}: question id {question_id!r} must be lowercase letters/digits/_")
        return None
    where = f"question {question_id}"
    text = _text(raw, "text", where, problems)
    kind = raw.get("type")
    if kind not in QUESTION_TYPES:
        problems.append(f"{where}: type {kind!r} is not one of {', '.join(QUESTION_TYPES)}")
        return None
    options: tuple[str, ...] | None = _FIXED_OPTIONS.get(kind)
    raw_options = raw.get("options")
    if kind == "choice":
        if not isinstance(raw_options, list) or len(raw_options) < 2:
            problems.append(f"{where}: a choice question needs a list of at least two options")
            return None
        options = tuple(str(option) for option in raw_options)
        if len(set(options)) != len(options):
            problems.append(f"{where}: duplicate options")
    elif raw_options is not None and (not isinstance(raw_options, list) or tuple(map(str, raw_options)) != options):
        problems.append(f"{where}: options of a {kind} question are fixed ({options or 'none'})")
    required = raw.get("required", True)
    if not isinstance(required, bool):
        problems.append(f"{where}: 'required' must be true or false")
        required = True
    unknown_flag = _optional_text(raw, "unknown_flag", where, problems)
    if unknown_flag is not None and kind != "yes_no_unknown":
        problems.append(f"{where}: 'unknown_flag' needs a yes_no_unknown question")
    text_format = raw.get("format")
    if text_format is not None and (kind != "text" or text_format not in TEXT_FORMATS):
        problems.append(f"{where}: 'format' must be one of {TEXT_FORMATS} on a text question")
    show_if = None
    if raw.get("show_if") is not None:
        show_if = _condition(raw["show_if"], f"{where} show_if", problems, allow_risk=False)
    return Question(
        id=question_id,
        text=text,
        type=kind,
        section_id=section_id,
        label=_optional_text(raw, "label", where, problems) or question_id,
        options=options,
        show_if=show_if,
        help=_optional_text(raw, "help", where, problems),
        required=required,
        unknown_flag=unknown_flag,
        format=text_format,
    )


def _sections(raw: object, problems: list[str]) -> list[Section]:
    if not isinstance(raw, list) or not raw:
        problems.append("'sections' must be a non-empty list")
        return []
    sections: list[Section] = []
    seen_questions: dict[str, str] = {}
    for number, raw_section in enumerate(raw, start=1):
        where = f"section {number}"
        if not isinstance(raw_section, dict):
            problems.append(f"{where}: a section must be a mapping")
            continue
        _keys(raw_section, _SECTION_KEYS, where, problems)
        section_id = _text(raw_section, "id", where, problems)
        if section_id in {section.id for section in sections}:
            problems.append(f"duplicate section id {section_id!r}")
        raw_questions = raw_section.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            problems.append(f"section {section_id}: 'questions' must be a non-empty list")
            continue
        questions: list[Question] = []
        for index, raw_question in enumerate(raw_questions, start=1):
            question = _question(raw_question, section_id, f"{where} question {index}", problems)
            if question is None:
                continue
            if question.id in seen_questions:
                problems.append(
                    f"duplicate question id {question.id!r} (sections {seen_questions[question.id]} and {section_id})"
                )
                continue
            seen_questions[question.id] = section_id
            questions.append(question)
        sections.append(
            Section(
                id=section_id,
                title=_text(raw_section, "title", f"section {section_id}", problems),
                questions=tuple(questions),
                instructions=_optional_text(raw_section, "instructions", where, problems),
            )
        )
    return sections


def _options(by_id: Mapping[str, Question]) -> dict[str, tuple[str, ...] | None]:
    return {question_id: question.options for question_id, question in by_id.items()}


def _rules(
    raw: object,
    *,
    name: str,
    kind_key: str,
    kinds: tuple[str, ...],
    by_id: Mapping[str, Question],
    problems: list[str],
) -> list[tuple[str, Condition | None, str | None, str | None]]:
    if not isinstance(raw, list) or not raw:
        problems.append(f"'{name}' must be a non-empty list")
        return []
    allowed = _DISPOSITION_RULE_KEYS if kind_key == "disposition" else _RISK_RULE_KEYS
    parsed: list[tuple[str, Condition | None, str | None, str | None]] = []
    catch_all: int | None = None
    for number, raw_rule in enumerate(raw, start=1):
        where = f"{name} rule {number}"
        if not isinstance(raw_rule, dict):
            problems.append(f"{where}: a rule must be a mapping")
            continue
        _keys(raw_rule, allowed, where, problems)
        kind = raw_rule.get(kind_key)
        if kind not in kinds:
            problems.append(f"{where}: {kind_key} {kind!r} is not one of {', '.join(kinds)}")
        when = None
        if raw_rule.get("when") is not None:
            when = _condition(raw_rule["when"], where, problems, allow_risk=kind_key == "disposition")
            if when is not None:
                rules.check_references(when, where, options=_options(by_id), problems=problems)
        if catch_all is not None:
            problems.append(f"{where} comes after the catch-all rule {catch_all} and can never match")
        elif raw_rule.get("when") is None:
            catch_all = number
        note = _optional_text(raw_rule, "note", where, problems)
        parsed.append((str(kind), when, note, _optional_text(raw_rule, "instruction", where, problems)))
    if catch_all is None:
        problems.append(f"'{name}' has no catch-all rule (a last rule without 'when')")
    return parsed


def _concern_rules(raw: object, *, by_id: Mapping[str, Question], problems: list[str]) -> list[ConcernRule]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        problems.append("'concern_rules' must be a non-empty list when given")
        return []
    parsed: list[ConcernRule] = []
    catch_all: int | None = None
    for number, raw_rule in enumerate(raw, start=1):
        where = f"concern_rules rule {number}"
        if not isinstance(raw_rule, dict):
            problems.append(f"{where}: a rule must be a mapping")
            continue
        _keys(raw_rule, _CONCERN_RULE_KEYS, where, problems)
        concern = _text(raw_rule, "concern", where, problems)
        if len(concern) > MAX_CONCERN or "," in concern or ";" in concern:
            problems.append(f"{where}: a concern is a few plain words (at most {MAX_CONCERN} characters, no , or ;)")
        when = None
        if raw_rule.get("when") is not None:
            when = _condition(raw_rule["when"], where, problems, allow_risk=False)
            if when is not None:
                rules.check_references(when, where, options=_options(by_id), problems=problems)
        if catch_all is not None:
            problems.append(f"{where} comes after the catch-all rule {catch_all} and can never match")
        elif raw_rule.get("when") is None:
            catch_all = number
        parsed.append(ConcernRule(concern, when))
    return parsed


def _build(raw: object, *, path: Path) -> Questionnaire:
    if not isinstance(raw, dict):
        raise QuestionnaireError(path, ["the file must hold a mapping (id, version, sections…)"])
    problems: list[str] = []
    _keys(raw, _TOP_KEYS, "top level", problems)
    questionnaire_id = _text(raw, "id", "top level", problems)
    if questionnaire_id and not _ID_PATTERN.match(questionnaire_id):
        problems.append(f"id {questionnaire_id!r} must be lowercase letters, digits and _")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(f"version {version!r} must be a whole number from 1")
        version = 0
    title = _text(raw, "title", "top level", problems)
    licence = _text(raw, "licence", "top level", problems)
    sections = _sections(raw.get("sections"), problems)
    questions = [question for section in sections for question in section.questions]
    by_id = {question.id: question for question in questions}
    options = _options(by_id)
    show_ifs = {q.id: q.show_if for q in questions if q.show_if is not None}
    rules.check_show_if(show_ifs, options=options, problems=problems)
    risk_rules = _rules(
        raw.get("risk_rules"), name="risk_rules", kind_key="risk", kinds=rules.RISK_LEVELS,
        by_id=by_id, problems=problems,
    )  # fmt: skip
    severities = [rules.RISK_LEVELS.index(kind) for kind, _, _, _ in risk_rules if kind in rules.RISK_LEVELS]
    if severities != sorted(severities, reverse=True):
        problems.append("risk_rules must go from the most serious level to the least")
    disposition_rules = _rules(
        raw.get("disposition_rules"), name="disposition_rules", kind_key="disposition",
        kinds=DISPOSITIONS, by_id=by_id, problems=problems,
    )  # fmt: skip
    concern_rules = _concern_rules(raw.get("concern_rules"), by_id=by_id, problems=problems)
    needs = raw.get("needs") or {}
    if not isinstance(needs, dict):
        problems.append("'needs' must map a need name to a question id")
        needs = {}
    for need, question_id in needs.items():
        question = by_id.get(str(question_id))
        if question is None:
            problems.append(f"needs {need}: unknown question id {question_id!r}")
        elif question.type == "choice":
            problems.append(f"needs {need}: {question_id} must be a yes/no or text question")
    if problems:
        raise QuestionnaireError(path, problems)
    questionnaire = Questionnaire(
        id=questionnaire_id,
        version=version,
        title=title,
        licence=licence,
        source=_optional_text(raw, "source", "top level", problems),
        sections=tuple(sections),
        risk_rules=tuple(RiskRule(kind, when) for kind, when, _, _ in risk_rules),
        disposition_rules=tuple(
            DispositionRule(kind, when, note, instruction) for kind, when, note, instruction in disposition_rules
        ),
        concern_rules=tuple(concern_rules),
        needs={str(need): str(question_id) for need, question_id in needs.items()},
        path=str(path),
    )
    rules.check_can_match(
        show_ifs,
        [(f"risk_rules rule {n}", r.when) for n, r in enumerate(questionnaire.risk_rules, 1)]
        + [(f"disposition_rules rule {n}", r.when) for n, r in enumerate(questionnaire.disposition_rules, 1)]
        + [(f"concern_rules rule {n}", r.when) for n, r in enumerate(questionnaire.concern_rules, 1)],
        options=options,
        problems=problems,
    )
    if problems:
        raise QuestionnaireError(path, problems)
    return questionnaire
