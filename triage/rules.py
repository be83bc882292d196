"""The small condition language of questionnaire files.

A condition is one of:

- ``{answer: <question id>, is: <value>}`` or ``is: [<value>, ...]`` (any of the values);
- ``{risk: <level>}`` or ``risk: [<level>, ...]`` (disposition rules only);
- ``{all: [<condition>, ...]}`` and ``{any: [<condition>, ...]}``.

Conditions are evaluated in three-valued logic, because a screening may be half done:
``True`` (established), ``False`` (ruled out) or ``None`` (pending: it depends on a question that
should have been asked and has no answer yet). A question skipped by its branch matches no value:
a skipped question is not "no".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

log = logging.getLogger(__name__)

# Three-valued truth: True, False, or None for "pending an answer".
Truth = bool | None

RISK_LEVELS = ("none", "low", "moderate", "high")
RESULT_RISK_LEVELS = (*RISK_LEVELS, "incomplete")
# A DNF bigger than this is not checked for satisfiability (the files are small; this is a guard).
_DNF_LIMIT = 512


class RuleSyntaxError(ValueError):
    """A condition in a questionnaire file is not well formed."""


@dataclass(frozen=True, slots=True)
class AnswerIs:
    question_id: str
    values: frozenset[str]
    # The order the file gave, for messages and for the browser.
    listed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RiskIs:
    levels: frozenset[str]
    listed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Condition, ...]


Condition = AnswerIs | RiskIs | AllOf | AnyOf


def _value_list(raw: object, what: str) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise RuleSyntaxError(f"{what} needs at least one value")
    values: list[str] = []
    for item in items:
        if not isinstance(item, str | int) or isinstance(item, bool):
            raise RuleSyntaxError(f"{what} values must be words, got {item!r}")
        values.append(str(item))
    return tuple(values)


def parse_condition(raw: object, *, allow_risk: bool) -> Condition:
    """Turn the YAML form of a condition into a `Condition`; raise `RuleSyntaxError`."""
    if isinstance(raw, list):
        # A bare list means "all of these".
        return AllOf(tuple(parse_condition(part, allow_risk=allow_risk) for part in raw))
    if not isinstance(raw, dict):
        raise RuleSyntaxError(f"a condition must be a mapping, got {raw!r}")
    keys = set(raw)
    if keys == {"answer", "is"}:
        question_id = raw["answer"]
        if not isinstance(question_id, str):
            raise RuleSyntaxError(f"'answer' must name a question id, got {question_id!r}")
        listed = _value_list(raw["is"], f"condition on {question_id}")
        return AnswerIs(question_id, frozenset(listed), listed)
    if keys == {"risk"}:
        if not allow_risk:
            raise RuleSyntaxError("'risk' conditions are allowed only in disposition rules")
        listed = _value_list(raw["risk"], "risk condition")
        unknown = [level for level in listed if level not in RESULT_RISK_LEVELS]
        if unknown:
            raise RuleSyntaxError(
                f"risk condition names unknown level {unknown[0]!r} (levels: {', '.join(RESULT_RISK_LEVELS)})"
            )
        return RiskIs(frozenset(listed), listed)
    if keys in ({"all"}, {"any"}):
        (key,) = keys
        parts = raw[key]
        if not isinstance(parts, list) or not parts:
            raise RuleSyntaxError(f"'{key}' needs a non-empty list of conditions")
        parsed = tuple(parse_condition(part, allow_risk=allow_risk) for part in parts)
        return AllOf(parsed) if key == "all" else AnyOf(parsed)
    raise RuleSyntaxError(f"cannot read condition {raw!r}: expected {{answer, is}}, {{risk}}, {{all}} or {{any}}")


def atoms(condition: Condition) -> list[AnswerIs | RiskIs]:
    """The leaf conditions, in file order."""
    if isinstance(condition, AnswerIs | RiskIs):
        return [condition]
    found: list[AnswerIs | RiskIs] = []
    for part in condition.parts:
        found.extend(atoms(part))
    return found


# --- evaluation -------------------------------------------------------------------------------

# Looks up one leaf: returns its three-valued truth.
LeafTruth = Callable[[AnswerIs | RiskIs], Truth]


def evaluate(condition: Condition, leaf: LeafTruth) -> Truth:
    """Kleene three-valued evaluation: `all` is false if any part is false, `any` true if any is."""
    if isinstance(condition, AnswerIs | RiskIs):
        return leaf(condition)
    pending = False
    if isinstance(condition, AllOf):
        for part in condition.parts:
            truth = evaluate(part, leaf)
            if truth is False:
                return False
            if truth is None:
                pending = True
        return None if pending else True
    for part in condition.parts:
        truth = evaluate(part, leaf)
        if truth is True:
            return True
        if truth is None:
            pending = True
    return None if pending else False


def deciding_atoms(condition: Condition, leaf: LeafTruth) -> list[AnswerIs | RiskIs]:
    """The leaves that are true and that make `condition` true (or as true as it gets)."""
    if isinstance(condition, AnswerIs | RiskIs):
        return [condition] if leaf(condition) is True else []
    found: list[AnswerIs | RiskIs] = []
    for part in condition.parts:
        if evaluate(part, leaf) is not False or isinstance(condition, AllOf):
            found.extend(deciding_atoms(part, leaf))
    return found


# --- satisfiability, for the loader ------------------------------------------------------------

# One conjunct of a DNF: variable -> the values it may take. Variables are question ids, and
# "risk" (written with a leading colon so that it cannot clash with a question id).
Conjunct = dict[str, frozenset[str]]
RISK_VARIABLE = ":risk"


def _and(left: list[Conjunct], right: list[Conjunct]) -> list[Conjunct]:
    merged: list[Conjunct] = []
    for a, b in product(left, right):
        combined = dict(a)
        for variable, values in b.items():
            combined[variable] = combined.get(variable, values) & values
        merged.append(combined)
    return merged


def to_dnf(condition: Condition) -> list[Conjunct] | None:
    """Disjunctive normal form, or None when it would be too big to be worth checking."""
    if isinstance(condition, AnswerIs):
        return [{condition.question_id: condition.values}]
    if isinstance(condition, RiskIs):
        return [{RISK_VARIABLE: condition.levels}]
    if isinstance(condition, AnyOf):
        union: list[Conjunct] = []
        for part in condition.parts:
            sub = to_dnf(part)
            if sub is None:
                return None
            union.extend(sub)
        return union if len(union) <= _DNF_LIMIT else None
    result: list[Conjunct] = [{}]
    for part in condition.parts:
        sub = to_dnf(part)
        if sub is None or len(result) * len(sub) > _DNF_LIMIT:
            return None
        result = _and(result, sub)
    return result


def satisfiable(
    conjunct: Conjunct,
    *,
    domains: Mapping[str, frozenset[str]],
    show_if_dnf: Mapping[str, list[Conjunct]],
) -> bool:
    """Whether some answer set makes every leaf of `conjunct` true.

    A question can only hold a value when it is shown, so each question's own `show_if`
    is added to the conjunct (show_if only looks back, so this ends).
    """
    pending: list[Conjunct] = [dict(conjunct)]
    while pending:
        current = pending.pop()
        current = {variable: values & domains.get(variable, values) for variable, values in current.items()}
        if any(not values for values in current.values()):
            continue
        expanded = False
        for variable in list(current):
            requirement = show_if_dnf.get(variable)
            if requirement is None or f"shown:{variable}" in current:
                continue
            marked = dict(current)
            marked[f"shown:{variable}"] = frozenset({"yes"})
            pending.extend(_and([marked], requirement))
            expanded = True
            break
        if not expanded:
            return True
    return False


# --- checks against the questions, for the loader ----------------------------------------------

# Question id -> the values it can take (None for a text question), in questionnaire order.
Options = Mapping[str, tuple[str, ...] | None]


def check_references(condition: Condition, where: str, *, options: Options, problems: list[str]) -> None:
    """Every leaf names a known, testable question and a value it offers."""
    for atom in atoms(condition):
        if not isinstance(atom, AnswerIs):
            continue
        if atom.question_id not in options:
            problems.append(f"{where}: unknown question id {atom.question_id!r}")
            continue
        offered = options[atom.question_id]
        if offered is None:
            problems.append(f"{where}: {atom.question_id} is a text question and cannot be tested")
            continue
        for value in atom.listed:
            if value not in offered:
                problems.append(
                    f"{where}: {value!r} is not an option of {atom.question_id} "
                    f"(options: {', '.join(offered)}), so it can never match"
                )


def check_show_if(show_ifs: Mapping[str, Condition], *, options: Options, problems: list[str]) -> None:
    """Branches refer to known, earlier questions, with no cycle."""
    position = {question_id: index for index, question_id in enumerate(options)}
    edges = {
        question_id: [
            atom.question_id for atom in atoms(condition) if isinstance(atom, AnswerIs) and atom.question_id in options
        ]
        for question_id, condition in show_ifs.items()
    }
    in_cycle: set[str] = set()
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in edges.get(node, []):
            if state.get(target) == 1:
                cycle = [*path[path.index(target) :], target]
                in_cycle.update(cycle)
                problems.append(f"show_if cycle: {' -> '.join(cycle)}")
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in edges:
        if node not in state:
            visit(node, [node])
    for question_id, condition in show_ifs.items():
        where = f"question {question_id} show_if"
        check_references(condition, where, options=options, problems=problems)
        if question_id in in_cycle:
            continue
        for target in edges[question_id]:
            if position[target] > position[question_id]:
                problems.append(f"{where}: refers to {target}, which comes later")


def check_can_match(
    show_ifs: Mapping[str, Condition],
    checked: Sequence[tuple[str, Condition | None]],
    *,
    options: Options,
    problems: list[str],
) -> None:
    """Every question can be shown and every rule can match, by some answer set."""
    domains = {qid: frozenset(offered) for qid, offered in options.items() if offered}
    domains[RISK_VARIABLE] = frozenset(RESULT_RISK_LEVELS)
    show_if_dnf: dict[str, list[Conjunct]] = {}

    def possible(dnf: list[Conjunct]) -> bool:
        return any(satisfiable(c, domains=domains, show_if_dnf=show_if_dnf) for c in dnf)

    for question_id in options:
        condition = show_ifs.get(question_id)
        dnf = to_dnf(condition) if condition is not None else None
        if dnf is None:
            continue
        if not possible(dnf):
            problems.append(f"question {question_id} can never be shown")
        show_if_dnf[question_id] = dnf
    for where, when in checked:
        dnf = to_dnf(when) if when is not None else None
        if when is None or dnf is None:
            continue
        if not possible(dnf):
            problems.append(
                f"{where} can never match: no answers shown together make "
                f"{describe(when)} true (a skipped question has no answer)"
            )


# --- presentation ------------------------------------------------------------------------------


def describe(condition: Condition) -> str:
    """A short English rendering, for error messages."""
    if isinstance(condition, AnswerIs):
        return f"{condition.question_id} is {' or '.join(condition.listed)}"
    if isinstance(condition, RiskIs):
        return f"risk is {' or '.join(condition.listed)}"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    return "(" + joiner.join(describe(part) for part in condition.parts) + ")"


def to_browser(condition: Condition) -> Any:
    """The JSON form for the operator page.

    ``{"question": id, "equals": value}``, ``{"question": id, "in": [values]}``,
    a list meaning "all of", and ``{"any": [...]}``.
    """
    if isinstance(condition, AnswerIs):
        if len(condition.listed) == 1:
            return {"question": condition.question_id, "equals": condition.listed[0]}
        return {"question": condition.question_id, "in": list(condition.listed)}
    if isinstance(condition, RiskIs):
        return {"risk": list(condition.listed)}
    if isinstance(condition, AllOf):
        return [to_browser(part) for part in condition.parts]
    return {"any": [to_browser(part) for part in condition.parts]}
