"""The report figures, grouped and filtered in the database (DOMAIN "Figures the product reports").

Every query groups by the period table of reports.sql (`d`: 0 for a summary, the day's index for
the daily report), so a summary and a month of days cost the same three queries:

1. `counts`: calls, by disposition, incidents, cleared, outcomes, police presence, response
   within target (one GROUP BY over calls ⟕ incidents, conditional counts);
2. `intervals`: per figure, the count and the two values around the median and the 90th
   percentile, picked in SQL with `row_number()` / `count()` windows over the interval; the
   caller interpolates between them (reports.periods.interpolate), so only 4 numbers per figure
   leave the database;
3. `followups`: follow-ups due in the period and those done within their window.

A call belongs to the period holding its `received_at`, and its incident with it. An incident's
first dispatch is its first assignment (`assignments.assigned_at`): a requeue clears
`incidents.dispatched_at`, the assignment rows keep every dispatch. Filters: `priority` is the
call's (its incident's is copied from it), `area` the incident's, so a call with no incident
(resolved by phone, or handed to 911) is in no area.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from dispatch.models import Assignment, Incident
from dispatch.states import Outcome
from reports.periods import MEDIAN, P90, ArrivalTargets, Period
from reports.sql import epoch_ms, ms_to_whole_seconds, periods_cte, whole_seconds
from timers.models import Followup, FollowupAttempt
from triage.models import Call

DISPOSITIONS = ("phone", "mobile_team", "co_response", "emergency_911")
OUTCOMES = tuple(outcome.value for outcome in Outcome)
INTERVALS = ("answer_to_dispatch", "acknowledge", "turnout", "travel", "response", "on_scene")
TRANSFERS = "transfers_911"
QUANTILES: tuple[Fraction, ...] = (MEDIAN, P90)
DONE_OUTCOMES = ("reached", "declined")

CALLS = Call.__table__
INCIDENTS = Incident.__table__
ASSIGNMENTS = Assignment.__table__
FOLLOWUPS = Followup.__table__
ATTEMPTS = FollowupAttempt.__table__


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


def _period_of(p: Any, periods: Sequence[Period]) -> tuple[Any, tuple[Any, ...]]:
    """The period column and GROUP BY of an aggregate: a summary (one period) has none, so
    SQLite aggregates as it scans instead of sorting every row by a constant."""
    if len(periods) == 1:
        return sa.literal(0).label("d"), ()
    return p.c.d, (p.c.d,)


def dialect_of(session: Any) -> str:
    """The database's name ("sqlite", "postgresql") of a Session or a Connection."""
    bind = session.get_bind() if hasattr(session, "get_bind") else session
    return str(bind.dialect.name)


def with_first_dispatch(source: Any, dialect: str) -> tuple[Any, Any]:
    """`source` (which joins the incidents) and the column of each incident's first dispatch,
    `min(assignments.assigned_at)`: a correlated subquery on SQLite (an index seek per
    incident); a LATERAL join on PostgreSQL, whose plan for the same subquery in the select list
    took ~1 s more on a 30-day daily report (measured by bench/reports_bench.py)."""
    first = sa.select(sa.func.min(ASSIGNMENTS.c.assigned_at).label("first_dispatch")).where(
        ASSIGNMENTS.c.incident_id == INCIDENTS.c.id
    )
    if dialect == "postgresql":
        lateral = first.lateral("first_dispatches")
        return source.outerjoin(lateral, sa.true()), lateral.c.first_dispatch
    return source, first.scalar_subquery()


def calls_in(periods: Any) -> Any:
    return periods.join(CALLS, sa.and_(CALLS.c.received_at >= periods.c.s, CALLS.c.received_at < periods.c.e))


def filtered(statement: Any, filters: Filters) -> Any:
    if filters.priority is not None:
        statement = statement.where(CALLS.c.priority == filters.priority)
    if filters.area is not None:
        statement = statement.where(INCIDENTS.c.area == filters.area)
    return statement


def _count_if(condition: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _target(filters: Filters) -> Any:
    """The arrival target of an incident's priority and area, in seconds (NULL: no priority)."""
    t = filters.targets
    rural = INCIDENTS.c.area.in_(filters.rural_areas) if filters.rural_areas else sa.false()
    return sa.case(
        (INCIDENTS.c.priority == "emergent", sa.case((rural, t.emergent_rural_s), else_=t.emergent_s)),
        (INCIDENTS.c.priority == "urgent", t.urgent_s),
        (INCIDENTS.c.priority == "routine", t.routine_s),
        else_=sa.null(),
    )


def counts(*, session: Any, periods: Sequence[Period], filters: Filters) -> dict[int, dict[str, int]]:
    p = periods_cte(periods)
    d, group = _period_of(p, periods)
    target = _target(filters)
    on_scene = sa.and_(INCIDENTS.c.on_scene_at.is_not(None), target.is_not(None))
    cleared = INCIDENTS.c.cleared_at.is_not(None)
    statement = filtered(
        sa.select(
            d,
            sa.func.count(CALLS.c.id).label("calls"),
            *(_count_if(CALLS.c.disposition == name).label(name) for name in DISPOSITIONS),
            sa.func.count(INCIDENTS.c.id).label("incidents"),
            _count_if(cleared).label("cleared"),
            _count_if(sa.and_(cleared, INCIDENTS.c.police_present.is_not(None))).label("police_recorded"),
            _count_if(sa.and_(cleared, INCIDENTS.c.police_present.is_(False))).label("police_free"),
            *(_count_if(INCIDENTS.c.outcome == outcome).label(f"outcome.{outcome}") for outcome in OUTCOMES),
            _count_if(on_scene).label("targeted"),
            _count_if(sa.and_(on_scene, whole_seconds(CALLS.c.received_at, INCIDENTS.c.on_scene_at) <= target)).label(
                "within_target"
            ),
        )
        .select_from(calls_in(p).outerjoin(INCIDENTS, INCIDENTS.c.call_id == CALLS.c.id))
        .group_by(*group),
        filters,
    )
    return {row.d: {k: int(v) for k, v in row._mapping.items() if k != "d"} for row in session.execute(statement)}


def _interval_values(p: Any, d: Any, filters: Filters, dialect: str) -> Any:
    """(d, m, v): every interval of every incident (and 911 transfer) of the period, long format.
    Each timestamp is turned into milliseconds once per incident (`incident_times`, materialized),
    each interval is then integer arithmetic."""
    source, first_dispatch = with_first_dispatch(
        calls_in(p).join(INCIDENTS, INCIDENTS.c.call_id == CALLS.c.id), dialect
    )
    left_scene = sa.case(
        (
            sa.and_(
                INCIDENTS.c.transporting_at.is_not(None),
                sa.or_(INCIDENTS.c.cleared_at.is_(None), INCIDENTS.c.transporting_at < INCIDENTS.c.cleared_at),
            ),
            INCIDENTS.c.transporting_at,
        ),
        else_=INCIDENTS.c.cleared_at,
    )
    moments = {
        "received": CALLS.c.received_at,
        "dispatched": first_dispatch,
        "acknowledged": INCIDENTS.c.acknowledged_at,
        "en_route": INCIDENTS.c.en_route_at,
        "on_scene": INCIDENTS.c.on_scene_at,
        "left_scene": left_scene,
    }
    base = (
        filtered(
            sa.select(d, *(epoch_ms(moment).label(name) for name, moment in moments.items())).select_from(source),
            filters,
        )
        .cte("incident_times")
        .prefix_with("MATERIALIZED")
    )
    spans = {
        "answer_to_dispatch": ("received", "dispatched"),
        "acknowledge": ("dispatched", "acknowledged"),
        "turnout": ("dispatched", "en_route"),
        "travel": ("en_route", "on_scene"),
        "response": ("received", "on_scene"),
        "on_scene": ("on_scene", "left_scene"),
    }
    parts = [
        sa.select(
            base.c.d,
            sa.literal(INTERVALS.index(name)).label("m"),
            ms_to_whole_seconds(base.c[end] - base.c[start]).label("v"),
        ).where(base.c[start].is_not(None), base.c[end].is_not(None))
        for name, (start, end) in spans.items()
    ]
    transfers = filtered(
        sa.select(
            d,
            sa.literal(len(INTERVALS)).label("m"),
            whole_seconds(CALLS.c.received_at, CALLS.c.transfer_at).label("v"),
        )
        .select_from(
            calls_in(p).outerjoin(INCIDENTS, INCIDENTS.c.call_id == CALLS.c.id) if filters.area else calls_in(p)
        )
        # The transfer time of a 911 call, as one expression: an index on the disposition (or
        # SQLite's automatic one, built over every call) must not replace the received_at range.
        .where(sa.case((CALLS.c.disposition == "emergency_911", CALLS.c.transfer_at)).is_not(None)),
        filters,
    )
    return sa.union_all(*parts, transfers).subquery("interval_values")


def intervals(*, session: Any, periods: Sequence[Period], filters: Filters) -> dict[int, dict[str, Ranked]]:
    """Per period and figure: n and the values at the ranks around each quantile.

    Intervals are whole seconds, so many are equal: the values are grouped (`GROUP BY d, m, v`,
    one sort), a running count over the groups says which ranks each value holds, and the value
    at rank r is the one whose group reaches r. The same answer as ranking every row with
    row_number(), at half the work on SQLite (its windows over every row cost more than the sort)."""
    p = periods_cte(periods)
    d, group = _period_of(p, periods)
    values = _interval_values(p, d, filters, dialect_of(session))
    grouped = (
        sa.select(values.c.d if group else d, values.c.m, values.c.v, sa.func.count().label("c"))
        .group_by(*((values.c.d,) if group else ()), values.c.m, values.c.v)
        .subquery("grouped")
    )
    partition = (grouped.c.d, grouped.c.m)
    running = sa.select(
        grouped.c.d,
        grouped.c.m,
        grouped.c.v,
        grouped.c.c,
        sa.cast(
            sa.func.sum(grouped.c.c).over(partition_by=partition, order_by=grouped.c.v, rows=(None, 0)), sa.Integer
        ).label("upto"),
        sa.cast(sa.func.sum(grouped.c.c).over(partition_by=partition), sa.Integer).label("n"),
    ).subquery("running")

    def value_at(rank: Any) -> Any:
        return sa.func.max(sa.case((sa.and_(running.c.upto - running.c.c < rank, rank <= running.c.upto), running.c.v)))

    picks = []
    for q in QUANTILES:
        low_rank = (running.c.n - 1) * q.numerator // q.denominator + 1  # integer division: floor
        picks += [value_at(low_rank), value_at(low_rank + 1)]
    statement = sa.select(running.c.d, running.c.m, sa.func.max(running.c.n).label("n"), *picks).group_by(
        running.c.d, running.c.m
    )
    names = (*INTERVALS, TRANSFERS)
    found: dict[int, dict[str, Ranked]] = {}
    for row in session.execute(statement):
        d, m, n, *values_at = row
        around = {q: (values_at[2 * k], values_at[2 * k + 1]) for k, q in enumerate(QUANTILES)}
        found.setdefault(d, {})[names[m]] = Ranked(n=int(n), around=around)
    return found


def followups(*, session: Any, periods: Sequence[Period], filters: Filters) -> dict[int, dict[str, int]]:
    p = periods_cte(periods)
    d, group = _period_of(p, periods)
    done = (
        sa.exists()
        .where(
            ATTEMPTS.c.followup_id == FOLLOWUPS.c.id,
            ATTEMPTS.c.outcome.in_(DONE_OUTCOMES),
            ATTEMPTS.c.at <= FOLLOWUPS.c.due_at,
        )
        .correlate(FOLLOWUPS)
    )
    source = p.join(FOLLOWUPS, sa.and_(FOLLOWUPS.c.due_at >= p.c.s, FOLLOWUPS.c.due_at < p.c.e))
    if filters.priority is not None:
        source = source.join(CALLS, CALLS.c.id == FOLLOWUPS.c.call_id)
    if filters.area is not None:
        source = source.join(INCIDENTS, INCIDENTS.c.call_id == FOLLOWUPS.c.call_id)
    statement = filtered(
        sa.select(d, sa.func.count(FOLLOWUPS.c.id).label("due"), _count_if(done).label("done_in_window"))
        .select_from(source)
        .group_by(*group),
        filters,
    )
    return {
        row.d: {"due": int(row.due), "done_in_window": int(row.done_in_window)} for row in session.execute(statement)
    }
