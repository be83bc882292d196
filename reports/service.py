"""The summary and the daily report: the figures of reports.figures, put in the contract's shape.

Shares are fractions 0..1 (rounded to 4 places) over their own n; with nothing to count they
are `null`, as are the medians and 90th percentiles of a figure with no interval (DOMAIN).
Counts are 0 then, never null. `outcomes` names every outcome, 0 when none was recorded, so a
chart keeps its bars in one order from one period to the next.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from config import Settings
from core.errors import DomainError
from geo.areas import ServiceAreas
from reports import figures
from reports.facts import INTERVALS, TRANSFERS
from reports.figures import DISPOSITIONS, OUTCOMES, Filters, Ranked
from reports.periods import MEDIAN, P90, ArrivalTargets, Period, closest_ranks, interpolate, local_days
from reports.schemas import (
    ByDispositionRead,
    DayRead,
    FollowupsRead,
    IntervalRead,
    IntervalsRead,
    SummaryRead,
    TransfersRead,
)


def arrival_targets(settings: Settings) -> ArrivalTargets:
    """The TARGET_* settings (DOMAIN "Priorities and targets")."""
    return ArrivalTargets(
        emergent_s=settings.target_emergent_s,
        emergent_rural_s=settings.target_emergent_rural_s,
        urgent_s=settings.target_urgent_s,
        routine_s=settings.target_routine_s,
    )


def report_filters(*, priority: str | None, area: str | None, areas: ServiceAreas, targets: ArrivalTargets) -> Filters:
    """The filters of a request; an area SERVICE_AREAS does not name is a 422 (a typo would
    otherwise read as a quiet period)."""
    if area is not None and area not in areas.names:
        known = ", ".join(areas.names) or "none: SERVICE_AREAS is not set"
        raise DomainError(
            f"There is no service area {area!r}. Areas: {known}.",
            fields={"area": "not a service area"},
            code="validation_failed",
        )
    rural = tuple(a.name for a in areas.areas if a.rural)
    return Filters(priority=priority, area=area, rural_areas=rural, targets=targets)


def summary(*, session: Any, period: Period, filters: Filters) -> SummaryRead:
    """The figures of calls received in `[period.start, period.end)` and their incidents."""
    (read,) = _figures(session=session, periods=[period], filters=filters)
    return read


def daily(*, session: Any, period: Period, zone: ZoneInfo, filters: Filters, limit: int) -> list[DayRead]:
    """One summary per local day of `zone` the period touches, oldest first."""
    days = local_days(period, zone)
    if len(days) > limit:
        raise DomainError(
            f"The period has {len(days)} days, more than limit={limit}: ask with limit={len(days)} "
            "or for a shorter period.",
            fields={"limit": f"the period has {len(days)} days"},
            code="validation_failed",
        )
    reads = _figures(session=session, periods=days, filters=filters)
    return [
        DayRead.model_validate({**read.model_dump(by_alias=True), "day": day.day})
        for read, day in zip(reads, days, strict=True)
    ]


def _figures(*, session: Any, periods: Sequence[Period], filters: Filters) -> list[SummaryRead]:
    counted = figures.counts(session=session, periods=periods, filters=filters)
    ranked = figures.intervals(session=session, periods=periods, filters=filters)
    return [_read(period, counted.get(d, {}), ranked.get(d, {})) for d, period in enumerate(periods)]


def _read(
    period: Period,
    counted: dict[str, int],
    ranked: dict[str, Ranked],
) -> SummaryRead:
    def count(name: str) -> int:
        return counted.get(name, 0)

    due, done = count("followups.due"), count("followups.done_in_window")
    police_free = count("police.absent")
    transfers = _interval(ranked.get(TRANSFERS))
    return SummaryRead.model_validate(
        {
            "from": period.start,
            "to": period.end,
            "calls": count("calls"),
            "by_disposition": ByDispositionRead(**{name: count(name) for name in DISPOSITIONS}),
            "incidents": count("incidents"),
            "cleared": count("cleared"),
            "police_free_share": share(police_free, police_free + count("police.present")),
            "outcomes": {outcome: count(f"outcome.{outcome}") for outcome in OUTCOMES},
            "intervals": IntervalsRead(**{name: _interval(ranked.get(name)) for name in INTERVALS}),
            "response_within_target_share": share(count("within_target"), count("targeted")),
            "followups": FollowupsRead(due=due, done_in_window=done, share=share(done, due)),
            "transfers_911": TransfersRead(n=transfers.n, median_s=transfers.median_s),
        }
    )


def _interval(ranked: Ranked | None) -> IntervalRead:
    if ranked is None or ranked.n == 0:
        return IntervalRead(n=0, median_s=None, p90_s=None)
    return IntervalRead(n=ranked.n, median_s=_quantile(ranked, MEDIAN), p90_s=_quantile(ranked, P90))


def _quantile(ranked: Ranked, q: Any) -> int | None:
    low, high = ranked.around[q]
    if low is None:
        return None
    _, _, weight = closest_ranks(ranked.n, q)
    return interpolate(int(low), None if high is None else int(high), weight)


def share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)
