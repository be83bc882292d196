"""The values a report ranks (reports.figures.intervals) are those a sort of every value gives:
SQLite finds them bucket by bucket in the index, PostgreSQL in sorted arrays, and both must
agree with the DOMAIN rule (the two closest ranks) worked out here over the same values, bucket
boundaries, equal values, negative values (a backdated milestone) and other periods included."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
import sqlalchemy as sa

from core.extensions import db
from reports import figures
from reports.facts import FACTS, bucket_of
from reports.periods import Period

DAY = datetime(2026, 11, 10, tzinfo=UTC)
KIND = "interval.travel"


def _expected(values: list[int]) -> figures.Ranked | None:
    ordered = sorted(values)
    if not ordered:
        return None

    def at(rank: int) -> int | None:
        return ordered[rank - 1] if rank <= len(ordered) else None

    around = {}
    for q in figures.QUANTILES:
        low = (len(ordered) - 1) * q.numerator // q.denominator + 1
        around[q] = (at(low), at(low + 1))
    return figures.Ranked(n=len(ordered), around=around)


def _draw(rng: random.Random) -> int:
    return rng.choice(
        [
            rng.randint(-130, 700),  # around the 10-second buckets, and below zero
            int(rng.lognormvariate(6.5, 1.1)),  # a long tail of whole minutes
            599,
            600,
            601,
            0,
            60,
        ]
    )


@pytest.mark.parametrize("days", [1, 3])  # SQLite: a day is sorted, longer periods walk buckets
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_ranked_values_are_those_of_a_sort(app: Any, seed: int, days: int) -> None:
    rng = random.Random(seed)
    inside = [(_draw(rng), rng.choice(["urgent", "emergent"])) for _ in range(rng.randint(1, 900))]
    outside = [_draw(rng) for _ in range(50)]  # the day before: not in the period
    rows = [
        {"kind": KIND, "at": DAY + timedelta(seconds=i * 13), "v": v, "priority": priority}
        for i, (v, priority) in enumerate(inside)
    ]
    rows += [
        {"kind": KIND, "at": DAY - timedelta(seconds=i + 1), "v": v, "priority": "urgent"}
        for i, v in enumerate(outside)
    ]
    period = Period(start=DAY, end=DAY + timedelta(days=days))
    with app.app_context():
        nested = db.session.begin_nested()  # rolled back: these facts have no records behind them
        db.session.execute(sa.insert(FACTS), rows)
        db.session.execute(
            sa.update(FACTS).values(bucket=bucket_of(FACTS.c.v)).execution_options(report_facts="unchanged")
        )
        connection = db.session.connection()
        everything = figures.intervals(session=connection, periods=[period], filters=figures.Filters())
        urgent = figures.intervals(session=connection, periods=[period], filters=figures.Filters(priority="urgent"))
        nested.rollback()
    assert everything[0]["travel"] == _expected([v for v, _ in inside])
    expected_urgent = _expected([v for v, priority in inside if priority == "urgent"])
    assert urgent.get(0, {}).get("travel") == expected_urgent


@pytest.mark.parametrize("days", [1, 3])
def test_one_value_has_no_second_rank(app: Any, days: int) -> None:
    period = Period(start=DAY, end=DAY + timedelta(days=days))
    with app.app_context():
        nested = db.session.begin_nested()
        db.session.execute(sa.insert(FACTS), [{"kind": KIND, "at": DAY, "v": 601, "bucket": None}])
        db.session.execute(
            sa.update(FACTS).values(bucket=bucket_of(FACTS.c.v)).execution_options(report_facts="unchanged")
        )
        ranked = figures.intervals(session=db.session.connection(), periods=[period], filters=figures.Filters())
        nested.rollback()
    assert ranked[0]["travel"] == figures.Ranked(n=1, around={q: (601, None) for q in figures.QUANTILES})
    assert Fraction(1, 2) in ranked[0]["travel"].around
