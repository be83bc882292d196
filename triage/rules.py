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
from collections.abc import Callable, Mapping
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
                f"risk condition names unknown level {unknown[0]!r} "
                f"(levels: {', '.join(RESULT_RISK_LEVELS)})"
            )
        return RiskIs(frozenset(listed), listed)
    if keys in ({"all"}, {"any"}):
        (key,) = keys
        parts = raw[key]
        if not isinstance(parts, list) or not parts:
            raise RuleSyntaxError(f"'{key}' needs a non-empty list of conditions")
        parsed = tuple(parse_condition(part, allow_risk=allow_risk) for part in parts)
        return AllOf(parsed) if key == "all" else AnyOf(parsed)
    raise RuleSyntaxError(
        f"cannot read condition {raw!r}: expected {{answer, is}}, {{risk}}, {{all}} or {{any}}"
    )


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
        current = {
            variable: values & domains.get(variable, values) for variable, values in current.items()
        }
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
