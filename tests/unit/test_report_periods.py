"""The pure part of the reports: reading `from`/`to`, the local days of a period, the arrival
targets and the percentile rule (numpy's linear interpolation = statistics "inclusive")."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime
from fractions import Fraction
from math import floor
from zoneinfo import ZoneInfo

import pytest

from core.errors import DomainError
from reports.periods import (
    MEDIAN,
    P90,
    ArrivalTargets,
    closest_ranks,
    interpolate,
    local_days,
    parse_moment,
    parse_period,
)

NEW_YORK = ZoneInfo("America/New_York")


def _quantile(values: list[int], q: Fraction) -> int:
    ordered = sorted(values)
    low, high, weight = closest_ranks(len(ordered), q)
    return interpolate(ordered[low - 1], ordered[high - 1] if high != low else None, weight)


@pytest.mark.parametrize("size", [2, 3, 4, 5, 10, 11, 99, 100, 101, 1000])
def test_the_rule_is_pythons_inclusive_quantiles_rounded_half_up(size):
    rng = random.Random(size)
    values = [rng.randint(0, 7200) for _ in range(size)]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    for q, k in ((MEDIAN, 50), (P90, 90)):
        assert _quantile(values, q) == floor(Fraction(cuts[k - 1]) + Fraction(1, 2)), (size, q)


def test_one_value_and_halves():
    assert _quantile([42], MEDIAN) == 42 and _quantile([42], P90) == 42
    assert _quantile([60, 61], MEDIAN) == 61  # 60.5 rounds up
    assert closest_ranks(4, P90) == (3, 4, Fraction(7, 10))  # rank 1 + 0.9 * 3 = 3.7


def test_a_plain_date_is_local_midnight_and_a_date_time_needs_its_offset():
    assert parse_moment("2026-11-10", field="from", zone=NEW_YORK) == datetime(2026, 11, 10, 5, tzinfo=UTC)
    assert parse_moment("2026-07-10", field="from", zone=NEW_YORK) == datetime(2026, 7, 10, 4, tzinfo=UTC)
    assert parse_moment("2026-11-10T08:00:00Z", field="to", zone=NEW_YORK) == datetime(2026, 11, 10, 8, tzinfo=UTC)
    for bad in ("2026-11-10T08:00:00", "yesterday", "0.5", "2026-02-30", "", "0001-01-01T00:00:00+14:00", "9999-12-31"):
        with pytest.raises(DomainError) as raised:
            parse_moment(bad, field="to", zone=NEW_YORK)
        assert raised.value.fields is not None and "to" in raised.value.fields


def test_a_period_is_at_most_366_days_and_from_comes_first():
    assert parse_period("2024-01-01", "2025-01-01", zone=NEW_YORK).end == datetime(2025, 1, 1, 5, tzinfo=UTC)
    with pytest.raises(DomainError):
        parse_period("2024-01-01", "2025-01-03", zone=NEW_YORK)
    with pytest.raises(DomainError):
        parse_period("2024-01-02", "2024-01-01", zone=NEW_YORK)


def test_local_days_follow_the_clock_changes():
    period = parse_period("2026-03-07", "2026-03-09", zone=NEW_YORK)  # spring forward on the 8th
    days = local_days(period, NEW_YORK)
    assert [d.day for d in days] == [date(2026, 3, 7), date(2026, 3, 8)]
    assert [(d.end - d.start).total_seconds() / 3600 for d in days] == [24, 23]


def test_arrival_targets():
    targets = ArrivalTargets()
    assert targets.for_priority("emergent", rural=False) == 3600
    assert targets.for_priority("emergent", rural=True) == 7200
    assert targets.for_priority("urgent", rural=True) == 4 * 3600
    assert targets.for_priority("routine", rural=False) == 72 * 3600
    assert targets.for_priority(None, rural=False) is None
