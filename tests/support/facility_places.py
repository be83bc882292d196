"""Facilities at known Burlington places, with beds, for the destination tests."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from core.clock import now as clock_now
from core.extensions import db

_numbers = itertools.count(1)


def make_facility(
    app: Any,
    at: tuple[float, float],
    *,
    beds: dict[str, tuple[int, int]] | None = None,
    counted_ago_s: float | None = 600,
    name: str | None = None,
    kind: str = "crisis_receiving",
    youth: bool = False,
    involuntary: bool = False,
    walk_in: bool = True,
    active: bool = True,
    phone: str | None = None,
) -> int:
    """A facility at `at` with `beds` {type: (total, available)}, its count `counted_ago_s` old
    (None: never reported), committed."""
    from facilities.models import Facility, FacilityBeds

    n = next(_numbers)
    with app.app_context():
        facility = Facility(
            name=name or f"Facility {n}",
            kind=kind,
            address=f"{n} Test Street, Burlington, VT",
            lat=at[0],
            lon=at[1],
            phone=phone,
            accepts_youth=youth,
            accepts_involuntary=involuntary,
            accepts_walk_in=walk_in,
            active=active,
            beds_updated_at=None if counted_ago_s is None else clock_now() - timedelta(seconds=counted_ago_s),
        )
        db.session.add(facility)
        db.session.flush()
        for bed_type, (total, available) in (beds or {}).items():
            db.session.add(FacilityBeds(facility_id=facility.id, bed_type=bed_type, total=total, available=available))
        db.session.commit()
        return int(facility.id)
