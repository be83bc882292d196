"""The report figures (DOMAIN "Figures the product reports"), counted and ranked in the database
over the report facts (reports/facts.py says what each fact is and how it is kept).

Every figure of a period is read from index ranges of `report_facts`, one period at a time (a
daily report asks once per day), by statements built once and cached with their SQL: a period's
bounds, the filters and the targets are bound parameters.

1. `counts`: how many facts of each counted kind (calls, by disposition, incidents, cleared,
   police presence, outcomes, follow-ups due and done in their window) fall in the period, and
   how many responses were within their arrival target;
2. `intervals`: per interval, its n and the values at the two ranks around the median and the
   90th percentile; the caller interpolates between them (reports.periods.interpolate).

Filters: `priority` is the call's, `area` its incident's, as the facts carry them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from dispatch.states import Outcome
from reports.facts import DISPOSITIONS, FACTS, INTERVALS, TRANSFERS, interval_kind
from reports.periods import MEDIAN, P90, ArrivalTargets, Period
from reports.sql import dialect_of

OUTCOMES = tuple(outcome.value for outcome in Outcome)
QUANTILES: tuple[Fraction, ...] = (MEDIAN, P90)
RANKED_KINDS = {interval_kind(name): name for name in (*INTERVALS, TRANSFERS)}
SORTED_SPAN = timedelta(hours=26)  # SQLite ranks a period this short by one sort (a day, a shift)

# The name of each count in the answer, by the kind of fact it counts.
COUNTED: dict[str, str] = {
    **{f"disposition.{name}": name for name in (*DISPOSITIONS, "other")},
    "incident": "incidents",
    "cleared": "cleared",
    "police.present": "police.present",
    "police.absent": "police.absent",
    **{f"outcome.{outcome}": f"outcome.{outcome}" for outcome in OUTCOMES},
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


def _params(period: Period, filters: Filters, **more: Any) -> dict[str, Any]:
    """The bound values of a statement: the period, the filters and the targets."""
    t = filters.targets
    return {
        "s": period.start,
        "e": period.end,
        "priority": filters.priority,
        "area": filters.area,
        "rural": list(filters.rural_areas),
        "emergent_s": t.emergent_s,
        "emergent_rural_s": t.emergent_rural_s,
        "urgent_s": t.urgent_s,
        "routine_s": t.routine_s,
        **more,
    }


def _in_period(facts: Any, by_priority: bool, by_area: bool) -> list[Any]:
    """The conditions of a fact in the period `[s, e)` that passes the filters given."""
    conditions = [
        facts.c.at >= sa.bindparam("s", type_=FACTS.c.at.type),
        facts.c.at < sa.bindparam("e", type_=FACTS.c.at.type),
    ]
    if by_priority:
        conditions.append(facts.c.priority == sa.bindparam("priority"))
    if by_area:
        conditions.append(facts.c.area == sa.bindparam("area"))
    return conditions


def _target(rural: bool) -> Any:
    """The arrival target of a response's priority and area, in seconds (NULL: no priority)."""
    in_rural = FACTS.c.area.in_(sa.bindparam("rural", expanding=True)) if rural else sa.false()
    return sa.case(
        (
            FACTS.c.priority == "emergent",
            sa.case((in_rural, sa.bindparam("emergent_rural_s")), else_=sa.bindparam("emergent_s")),
        ),
        (FACTS.c.priority == "urgent", sa.bindparam("urgent_s")),
        (FACTS.c.priority == "routine", sa.bindparam("routine_s")),
        else_=sa.null(),
    )


@functools.cache
def _counting(by_priority: bool, by_area: bool, rural: bool) -> tuple[Any, Any, Any]:
    """Every count of COUNTED, each its own scalar subquery: `count(*)` over one range of
    `(kind, at)`, which the index counts without a sort (a GROUP BY kind over the same ranges
    sorted every row first); the responses within their target; the follow-ups due and done."""

    def counted(kind: str) -> Any:
        return (
            sa.select(sa.func.count())
            .select_from(FACTS)
            .where(FACTS.c.kind == kind, *_in_period(FACTS, by_priority, by_area))
            .scalar_subquery()
        )

    counts = sa.select(*(counted(kind).label(f"n{i}") for i, kind in enumerate(COUNTED)))
    target = _target(rural)
    within = sa.select(
        sa.func.count(target).label("targeted"),
        sa.func.coalesce(sa.func.sum(sa.case((FACTS.c.v <= target, 1), else_=0)), 0).label("within_target"),
    ).where(FACTS.c.kind == interval_kind("response"), *_in_period(FACTS, by_priority, by_area))
    followups = sa.select(sa.func.count().label("due"), sa.func.coalesce(sa.func.sum(FACTS.c.v), 0)).where(
        FACTS.c.kind == "followup", *_in_period(FACTS, by_priority, by_area)
    )
    return counts, within, followups


def counts(*, session: Any, periods: Sequence[Period], filters: Filters) -> dict[int, dict[str, int]]:
    """Per period (by index): every count of COUNTED by its name, `calls` (their dispositions'
    sum: every call has one), `targeted` (responses with a target), `within_target`, and the
    follow-ups due and done in their window."""
    statements = _counting(filters.priority is not None, filters.area is not None, bool(filters.rural_areas))
    by_kind, within, followups = statements
    found: dict[int, dict[str, int]] = {}
    for d, period in enumerate(periods):
        params = _params(period, filters)
        numbers = session.execute(by_kind, params).one()
        found[d] = {COUNTED[kind]: int(n) for kind, n in zip(COUNTED, numbers, strict=True)}
        by_disposition = [int(n) for kind, n in zip(COUNTED, numbers, strict=True) if kind.startswith("disposition.")]
        found[d]["calls"] = sum(by_disposition)
        targeted, within_target = session.execute(within, params).one()
        due, done = session.execute(followups, params).one()
        found[d].update(
            targeted=int(targeted),
            within_target=int(within_target),
            **{"followups.due": int(due), "followups.done_in_window": int(done)},
        )
    return found


def intervals(*, session: Any, periods: Sequence[Period], filters: Filters) -> dict[int, dict[str, Ranked]]:
    """Per period (by index) and interval: n and the values at the ranks around each quantile.

    The two databases take different ways to the same values, each the faster there by
    bench/reports_bench.py: PostgreSQL sorts each interval's values of the period into an array
    (`_ranked_in_arrays`); SQLite, whose sorter is slower, walks buckets (`_ranked_in_buckets`)."""
    if dialect_of(session) == "postgresql":
        return _ranked_in_arrays(session, periods, filters)
    return _ranked_in_buckets(session, periods, filters)


def _ranked_in_arrays(session: Any, periods: Sequence[Period], filters: Filters) -> dict[int, dict[str, Ranked]]:
    """PostgreSQL: per interval, `array_agg(v ORDER BY v)` of the period's values (a sort in
    memory, grouped by kind in one statement); n and the values at the ranks leave the database."""
    statement = _arrays(filters.priority is not None, filters.area is not None)
    found: dict[int, dict[str, Ranked]] = {}
    for d, period in enumerate(periods):
        for kind, n, *values in session.execute(statement, _params(period, filters, kinds=list(RANKED_KINDS))):
            around = {q: (values[2 * k], values[2 * k + 1]) for k, q in enumerate(QUANTILES)}
            found.setdefault(d, {})[RANKED_KINDS[kind]] = Ranked(n=int(n), around=around)
    return found


@functools.cache
def _arrays(by_priority: bool, by_area: bool) -> Any:
    from sqlalchemy.dialects import postgresql

    grouped = (
        sa.select(
            FACTS.c.kind,
            postgresql.array_agg(postgresql.aggregate_order_by(FACTS.c.v, FACTS.c.v)).label("a"),
        )
        .where(FACTS.c.kind.in_(sa.bindparam("kinds", expanding=True)), *_in_period(FACTS, by_priority, by_area))
        .group_by(FACTS.c.kind)
        .subquery("grouped")
    )
    n = sa.func.cardinality(grouped.c.a)
    picks = []
    for q in QUANTILES:
        low = (n - 1) * q.numerator // q.denominator + 1
        picks += [grouped.c.a[low], grouped.c.a[low + 1]]  # 1-based; past the end is NULL
    return sa.select(grouped.c.kind, n, *picks)


def _ranked_in_buckets(session: Any, periods: Sequence[Period], filters: Filters) -> dict[int, dict[str, Ranked]]:
    """SQLite: sorting every interval of a month cost more than all the rest of a report, so a
    value is found in two steps, each an index walk over `(kind, bucket, at)` (reports.facts
    `bucket_of`: 10-second steps, whole minutes past 10 minutes):

    1. how many of the period's values fall in each bucket: one `count(*)` per bucket that holds
       any value, the buckets found by skipping from one to the next in the index; a running
       count over those few hundred buckets says which bucket holds each rank wanted, and how
       many values come before it;
    2. in those buckets only, the values ranked by `row_number()`: the value at each rank.

    The answer is exact: the values a sort of them all would give. A period of a day or less
    (a shift, a day of the daily report) holds few enough values to sort them at once, which
    costs less than walking the buckets (`_sorted`)."""
    by_priority, by_area = filters.priority is not None, filters.area is not None
    found: dict[int, dict[str, Ranked]] = {}
    for d, period in enumerate(periods):
        for kind, name in RANKED_KINDS.items():
            params = _params(period, filters, kind=kind)
            if period.end - period.start <= SORTED_SPAN:
                picked = session.execute(_sorted(by_priority, by_area), params).all()
                if picked:
                    n = int(picked[0].n)
                    at_rank = {int(rn): int(v) for rn, v, _ in picked}
                    around = {q: (at_rank.get(_low_rank(n, q)), at_rank.get(_low_rank(n, q) + 1)) for q in QUANTILES}
                    found.setdefault(d, {})[name] = Ranked(n=n, around=around)
                continue
            histogram = session.execute(_histogram(by_priority, by_area), params).all()
            if not histogram:
                continue
            n = int(histogram[0].n)
            at_rank = {}
            for bucket, before, count, _ in histogram:
                ranks = [r for r in _ranks(n) if before < r <= before + count]
                if ranks:
                    picked = session.execute(
                        _picking(by_priority, by_area),
                        {**params, "bucket": bucket, "ranks": [r - before for r in ranks]},
                    )
                    at_rank.update({before + rn: int(v) for rn, v in picked})
            around = {q: (at_rank.get(_low_rank(n, q)), at_rank.get(_low_rank(n, q) + 1)) for q in QUANTILES}
            found.setdefault(d, {})[name] = Ranked(n=n, around=around)
    return found


def _low_rank(n: int, q: Fraction) -> int:
    """The lower of the two ranks (1-based) around quantile q of n values (DOMAIN: closest ranks)."""
    return (n - 1) * q.numerator // q.denominator + 1


def _ranks(n: int) -> set[int]:
    return {rank for q in QUANTILES for rank in (_low_rank(n, q), _low_rank(n, q) + 1) if rank <= n}


@functools.cache
def _histogram(by_priority: bool, by_area: bool) -> Any:
    """(bucket, values before it, values in it, n) of the period's values of `kind`, for every
    bucket that holds any, in order."""
    kind: Any = sa.bindparam("kind")
    inner = FACTS.alias("inner")
    first = sa.select(sa.func.min(FACTS.c.bucket).label("b")).where(FACTS.c.kind == kind, FACTS.c.bucket.is_not(None))
    buckets = first.cte("buckets", recursive=True)
    following = (
        sa.select(sa.func.min(inner.c.bucket))
        .where(inner.c.kind == kind, inner.c.bucket > buckets.c.b)
        .scalar_subquery()
    )
    buckets = buckets.union_all(sa.select(following.label("b")).where(buckets.c.b.is_not(None)))
    in_bucket = (
        sa.select(sa.func.count())
        .select_from(inner)
        .where(inner.c.kind == kind, inner.c.bucket == buckets.c.b, *_in_period(inner, by_priority, by_area))
        .scalar_subquery()
    )
    counted = (  # materialized: SQLite would count again for each use of `c`
        sa.select(buckets.c.b, in_bucket.label("c"))
        .where(buckets.c.b.is_not(None))
        .cte("counted")
        .prefix_with("MATERIALIZED")
    )
    upto = sa.func.sum(counted.c.c).over(order_by=counted.c.b, rows=(None, 0))
    return (
        sa.select(
            counted.c.b,
            (upto - counted.c.c).label("before"),
            counted.c.c,
            sa.func.sum(counted.c.c).over().label("n"),
        )
        .where(counted.c.c > 0)
        .order_by(counted.c.b)
    )


@functools.cache
def _sorted(by_priority: bool, by_area: bool) -> Any:
    """(rank, value, n) of the period's values of `kind` at the ranks around each quantile, from
    one sort of them all."""
    ranked = (
        sa.select(
            FACTS.c.v,
            sa.func.row_number().over(order_by=FACTS.c.v).label("rn"),
            sa.func.count().over().label("n"),
        )
        .where(FACTS.c.kind == sa.bindparam("kind"), *_in_period(FACTS, by_priority, by_area))
        .subquery("ranked")
    )
    ranks = []
    for q in QUANTILES:
        low = (ranked.c.n - 1) * q.numerator // q.denominator + 1
        ranks += [ranked.c.rn == low, ranked.c.rn == low + 1]
    return sa.select(ranked.c.rn, ranked.c.v, ranked.c.n).where(sa.or_(*ranks))


@functools.cache
def _picking(by_priority: bool, by_area: bool) -> Any:
    """(rank within the bucket, value) of the period's values of `kind` in `bucket`, at `ranks`."""
    ranked = (
        sa.select(FACTS.c.v, sa.func.row_number().over(order_by=FACTS.c.v).label("rn"))
        .where(
            FACTS.c.kind == sa.bindparam("kind"),
            FACTS.c.bucket == sa.bindparam("bucket"),
            *_in_period(FACTS, by_priority, by_area),
        )
        .subquery("ranked")
    )
    return sa.select(ranked.c.rn, ranked.c.v).where(ranked.c.rn.in_(sa.bindparam("ranks", expanding=True)))
