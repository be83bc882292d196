"""The report figures (DOMAIN "Figures the product reports"), counted and ranked in the database
over the report facts (reports/facts.py says what each fact is and how it is kept).

Every query reads ranges of one index, `report_facts (kind, at, ...)`, joined to the period table
of reports.sql (`d`: 0 for a summary, the day's index for the daily report), so a summary and a
month of days cost the same queries:

1. `counts`: how many facts of each counted kind (calls, by disposition, incidents, cleared,
   police presence, outcomes, follow-ups due and done in their window) fall in each period,
   and how many responses were within their arrival target;
2. `intervals`: per interval, its n and the values at the two ranks around the median and the
   90th percentile, picked in SQL (a running count over the grouped values); the caller
   interpolates between them (reports.periods.interpolate), so only 4 numbers per figure leave
   the database.

Filters: `priority` is the call's, `area` its incident's, as the facts carry them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from dispatch.states import Outcome
from reports.facts import FACTS, INTERVALS, TRANSFERS, interval_kind
from reports.periods import MEDIAN, P90, ArrivalTargets, Period
from reports.sql import periods_cte

DISPOSITIONS = ("phone", "mobile_team", "co_response", "emergency_911")
OUTCOMES = tuple(outcome.value for outcome in Outcome)
QUANTILES: tuple[Fraction, ...] = (MEDIAN, P90)

# The name of each count in the answer, by the kind of fact it counts.
COUNTED: dict[str, str] = {
    "call": "calls",
    **{f"disposition.{name}": name for name in DISPOSITIONS},
    "incident": "incidents",
    "cleared": "cleared",
    "police.present": "police.present",
    "police.absent": "police.absent",
    **{f"outcome.{outcome}": f"outcome.{outcome}" for outcome in OUTCOMES},
    "followup.due": "followups.due",
    "followup.done": "followups.done_in_window",
}


@dataclass(frozen=True, slots=True)
class Filters:
    priority: str | None = None
    area: str | None = None
    rural_areas: tuple[str, ...] = ()  # the SERVICE_AREAS names with the rural target
    targets: ArrivalTargets = field(default_factory=ArrivalTargets)


@dataclass(frozen=True, slots=True)
class Ranked:
    """One figure of one period: its n and, per quantile, the values at the two closest ranks."""

    n: int
    around: dict[Fraction, tuple[int | None, int | None]]


@dataclass(frozen=True, slots=True)
class _Facts:
    """The facts of some kinds in the periods, passing the filters: `d` is the period column and
    `group` the GROUP BY of a period. A summary (one period) groups by no period, so an aggregate
    runs as it reads the index instead of sorting every row by a constant."""

    d: Any
    group: tuple[Any, ...]
    source: Any
    conditions: tuple[Any, ...]

    def select(self, *columns: Any) -> Any:
        return sa.select(*columns).select_from(self.source).where(*self.conditions)


def _facts(periods: Sequence[Period], filters: Filters, kinds: Any) -> _Facts:
    p = periods_cte(periods)
    d, group = (sa.literal(0).label("d"), ()) if len(periods) == 1 else (p.c.d, (p.c.d,))
    conditions = [kinds]
    if filters.priority is not None:
        conditions.append(FACTS.c.priority == filters.priority)
    if filters.area is not None:
        conditions.append(FACTS.c.area == filters.area)
    source = p.join(FACTS, sa.and_(FACTS.c.at >= p.c.s, FACTS.c.at < p.c.e))
    return _Facts(d=d, group=group, source=source, conditions=tuple(conditions))


def _target(filters: Filters) -> Any:
    """The arrival target of a response's priority and area, in seconds (NULL: no priority)."""
    t = filters.targets
    rural = FACTS.c.area.in_(filters.rural_areas) if filters.rural_areas else sa.false()
    return sa.case(
        (FACTS.c.priority == "emergent", sa.case((rural, t.emergent_rural_s), else_=t.emergent_s)),
        (FACTS.c.priority == "urgent", t.urgent_s),
        (FACTS.c.priority == "routine", t.routine_s),
        else_=sa.null(),
    )


def counts(*, session: Any, periods: Sequence[Period], filters: Filters) -> dict[int, dict[str, int]]:
    """Per period: every count of COUNTED by its name, plus `targeted` (responses with a target)
    and `within_target`. A count with nothing to count is absent (0)."""
    facts = _facts(periods, filters, FACTS.c.kind.in_(tuple(COUNTED)))
    by_kind = facts.select(facts.d, FACTS.c.kind, sa.func.count().label("n")).group_by(*facts.group, FACTS.c.kind)
    found: dict[int, dict[str, int]] = {}
    for row in session.execute(by_kind):
        found.setdefault(row.d, {})[COUNTED[row.kind]] = int(row.n)
    target = _target(filters)
    responses = _facts(periods, filters, FACTS.c.kind == interval_kind("response"))
    within = responses.select(
        responses.d,
        sa.func.count(target).label("targeted"),
        sa.func.coalesce(sa.func.sum(sa.case((FACTS.c.v <= target, 1), else_=0)), 0).label("within_target"),
    ).group_by(*responses.group)
    for row in session.execute(within):
        found.setdefault(row.d, {}).update(targeted=int(row.targeted), within_target=int(row.within_target))
    return found


def intervals(*, session: Any, periods: Sequence[Period], filters: Filters) -> dict[int, dict[str, Ranked]]:
    """Per period and interval: n and the values at the ranks around each quantile.

    One query per interval, each reading its own range of the index. Intervals are whole
    seconds, so many are equal: the values are grouped (`GROUP BY d, v`, one sort), a running
    count over the groups says which ranks each value holds, and the value at rank r is the one
    whose group reaches r."""
    found: dict[int, dict[str, Ranked]] = {}
    for name in (*INTERVALS, TRANSFERS):
        for d, ranked in _ranked(session, periods, filters, interval_kind(name)):
            found.setdefault(d, {})[name] = ranked
    return found


def _ranked(session: Any, periods: Sequence[Period], filters: Filters, kind: str) -> list[tuple[int, Ranked]]:
    facts = _facts(periods, filters, FACTS.c.kind == kind)
    grouped = facts.select(facts.d, FACTS.c.v, sa.func.count().label("c")).group_by(*facts.group, FACTS.c.v)
    grouped = grouped.subquery("grouped")
    running = sa.select(
        grouped.c.d,
        grouped.c.v,
        grouped.c.c,
        sa.cast(
            sa.func.sum(grouped.c.c).over(partition_by=grouped.c.d, order_by=grouped.c.v, rows=(None, 0)), sa.Integer
        ).label("upto"),
        sa.cast(sa.func.sum(grouped.c.c).over(partition_by=grouped.c.d), sa.Integer).label("n"),
    ).subquery("running")

    def value_at(rank: Any) -> Any:
        return sa.func.max(sa.case((sa.and_(running.c.upto - running.c.c < rank, rank <= running.c.upto), running.c.v)))

    picks = []
    for q in QUANTILES:
        low_rank = (running.c.n - 1) * q.numerator // q.denominator + 1  # integer division: floor
        picks += [value_at(low_rank), value_at(low_rank + 1)]
    statement = sa.select(running.c.d, sa.func.max(running.c.n).label("n"), *picks).group_by(running.c.d)
    answers = []
    for row in session.execute(statement):
        d, n, *values_at = row
        around = {q: (values_at[2 * k], values_at[2 * k + 1]) for k, q in enumerate(QUANTILES)}
        answers.append((d, Ranked(n=int(n), around=around)))
    return answers
