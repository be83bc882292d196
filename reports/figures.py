"""The report figures, grouped and filtered in the database (DOMAIN "Figures the product reports").

Every query groups by the period table of reports.sql (`d`: 0 for a summary, the day's index for
the daily report), so a summary and a month of days cost the same four queries:

1. `counts`: calls, by disposition, incidents, cleared, police presence, response within target
   (GROUP BY over calls ⟕ incidents);
2. `outcomes`: incidents by outcome;
3. `intervals`: per figure, the count and the two values around the median and the 90th
   percentile, picked in SQL with `row_number()` / `count()` windows over the interval; the
   caller interpolates between them (reports.periods.interpolate), so only 4 numbers per figure
   leave the database;
4. `followups`: follow-ups due in the period and those done within their window.

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
from reports.periods import MEDIAN, P90, ArrivalTargets, Period
from reports.sql import periods_cte, whole_seconds
from timers.models import Followup, FollowupAttempt
from triage.models import Call

DISPOSITIONS = ("phone", "mobile_team", "co_response", "emergency_911")
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
    target = _target(filters)
    on_scene = sa.and_(INCIDENTS.c.on_scene_at.is_not(None), target.is_not(None))
    cleared = INCIDENTS.c.cleared_at.is_not(None)
    statement = filtered(
        sa.select(
            p.c.d,
            sa.func.count(CALLS.c.id).label("calls"),
            *(_count_if(CALLS.c.disposition == name).label(name) for name in DISPOSITIONS),
            sa.func.count(INCIDENTS.c.id).label("incidents"),
            _count_if(cleared).label("cleared"),
            _count_if(sa.and_(cleared, INCIDENTS.c.police_present.is_not(None))).label("police_recorded"),
            _count_if(sa.and_(cleared, INCIDENTS.c.police_present.is_(False))).label("police_free"),
            _count_if(on_scene).label("targeted"),
            _count_if(sa.and_(on_scene, whole_seconds(CALLS.c.received_at, INCIDENTS.c.on_scene_at) <= target)).label(
                "within_target"
            ),
        )
        .select_from(calls_in(p).outerjoin(INCIDENTS, INCIDENTS.c.call_id == CALLS.c.id))
        .group_by(p.c.d),
        filters,
    )
    return {row.d: {k: int(v) for k, v in row._mapping.items() if k != "d"} for row in session.execute(statement)}


def outcomes(*, session: Any, periods: Sequence[Period], filters: Filters) -> dict[int, dict[str, int]]:
    p = periods_cte(periods)
    statement = filtered(
        sa.select(p.c.d, INCIDENTS.c.outcome, sa.func.count().label("n"))
        .select_from(calls_in(p).join(INCIDENTS, INCIDENTS.c.call_id == CALLS.c.id))
        .where(INCIDENTS.c.outcome.is_not(None))
        .group_by(p.c.d, INCIDENTS.c.outcome),
        filters,
    )
    found: dict[int, dict[str, int]] = {}
    for row in session.execute(statement):
        found.setdefault(row.d, {})[row.outcome] = int(row.n)
    return found


def _interval_values(p: Any, filters: Filters) -> Any:
    """(d, m, v): every interval of every incident (and 911 transfer) of the period, long format."""
    first_dispatch = (
        sa.select(sa.func.min(ASSIGNMENTS.c.assigned_at))
        .where(ASSIGNMENTS.c.incident_id == INCIDENTS.c.id)
        .scalar_subquery()
    ).label("first_dispatch")
    base = filtered(
        sa.select(
            p.c.d,
            CALLS.c.received_at,
            first_dispatch,
            INCIDENTS.c.acknowledged_at,
            INCIDENTS.c.en_route_at,
            INCIDENTS.c.on_scene_at,
            sa.case(
                (
                    sa.and_(
                        INCIDENTS.c.transporting_at.is_not(None),
                        sa.or_(INCIDENTS.c.cleared_at.is_(None), INCIDENTS.c.transporting_at < INCIDENTS.c.cleared_at),
                    ),
                    INCIDENTS.c.transporting_at,
                ),
                else_=INCIDENTS.c.cleared_at,
            ).label("left_scene"),
        ).select_from(calls_in(p).join(INCIDENTS, INCIDENTS.c.call_id == CALLS.c.id)),
        filters,
    ).cte("incident_times")
    spans = {
        "answer_to_dispatch": (base.c.received_at, base.c.first_dispatch),
        "acknowledge": (base.c.first_dispatch, base.c.acknowledged_at),
        "turnout": (base.c.first_dispatch, base.c.en_route_at),
        "travel": (base.c.en_route_at, base.c.on_scene_at),
        "response": (base.c.received_at, base.c.on_scene_at),
        "on_scene": (base.c.on_scene_at, base.c.left_scene),
    }
    parts = [
        sa.select(base.c.d, sa.literal(INTERVALS.index(name)).label("m"), whole_seconds(start, end).label("v")).where(
            start.is_not(None), end.is_not(None)
        )
        for name, (start, end) in spans.items()
    ]
    transfers = filtered(
        sa.select(
            p.c.d,
            sa.literal(len(INTERVALS)).label("m"),
            whole_seconds(CALLS.c.received_at, CALLS.c.transfer_at).label("v"),
        )
        .select_from(
            calls_in(p).outerjoin(INCIDENTS, INCIDENTS.c.call_id == CALLS.c.id) if filters.area else calls_in(p)
        )
        .where(CALLS.c.disposition == "emergency_911", CALLS.c.transfer_at.is_not(None)),
        filters,
    )
    return sa.union_all(*parts, transfers).subquery("interval_values")


def intervals(*, session: Any, periods: Sequence[Period], filters: Filters) -> dict[int, dict[str, Ranked]]:
    """Per period and figure: n and the values at the ranks around each quantile."""
    p = periods_cte(periods)
    values = _interval_values(p, filters)
    partition = (values.c.d, values.c.m)
    ranked = sa.select(
        values.c.d,
        values.c.m,
        values.c.v,
        sa.func.row_number().over(partition_by=partition, order_by=values.c.v).label("rn"),
        sa.func.count().over(partition_by=partition).label("n"),
    ).subquery("ranked")
    picks = []
    for q in QUANTILES:
        low_rank = (ranked.c.n - 1) * q.numerator // q.denominator + 1  # integer division: floor
        picks.append(sa.func.max(sa.case((ranked.c.rn == low_rank, ranked.c.v))))
        picks.append(sa.func.max(sa.case((ranked.c.rn == low_rank + 1, ranked.c.v))))
    statement = sa.select(ranked.c.d, ranked.c.m, sa.func.max(ranked.c.n).label("n"), *picks).group_by(
        ranked.c.d, ranked.c.m
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
        sa.select(p.c.d, sa.func.count(FOLLOWUPS.c.id).label("due"), _count_if(done).label("done_in_window"))
        .select_from(source)
        .group_by(p.c.d),
        filters,
    )
    return {
        row.d: {"due": int(row.due), "done_in_window": int(row.done_in_window)} for row in session.execute(statement)
    }
