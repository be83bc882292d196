"""Facilities at known Burlington places for the destination tests, in the words the tests read:
`make_facility(app, NEAR, beds={"adult": (total, available)}, counted_ago_s=600, youth=True)`
(built by tests.support.facility_factories)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.clock import now as clock_now
from tests.support import facility_factories


def make_facility(
    app: Any,
    at: tuple[float, float],
    *,
    beds: dict[str, tuple[int, int]] | None = None,
    counted_ago_s: float | None = 600,
    youth: bool = False,
    involuntary: bool = False,
    walk_in: bool = True,
    phone: str | None = None,
    **fields: Any,
) -> int:
    """A facility at `at` with `beds` {type: (total, available)}, its count `counted_ago_s` old
    (None: never reported), committed."""
    return facility_factories.make_facility(
        app,
        lat=at[0],
        lon=at[1],
        beds={bed_type: (available, total) for bed_type, (total, available) in (beds or {}).items()},
        beds_updated_at=None if counted_ago_s is None else clock_now() - timedelta(seconds=counted_ago_s),
        accepts_youth=youth,
        accepts_involuntary=involuntary,
        accepts_walk_in=walk_in,
        phone=phone,
        **fields,
    )
