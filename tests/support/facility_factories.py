"""Test data for facilities: a facility with beds, at a Burlington point."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from core.clock import now as clock_now
from core.extensions import db

_names = itertools.count(1)

# 1138 Pine Street, Burlington (a real address point; ~2.6 km south of Church Street).
PINE_ST = (44.4471027, -73.2142613)


def make_facility(
    app: Any,
    *,
    beds: dict[str, tuple[int, int]] | None = None,
    beds_updated_at: datetime | str | None = "now",
    lat: float = PINE_ST[0],
    lon: float = PINE_ST[1],
    **fields: Any,
) -> int:
    """A facility; `beds`: {bed_type: (available, total)}; reported now unless told otherwise."""
    from facilities.models import Facility, FacilityBeds

    n = next(_names)
    values: dict[str, Any] = {
        "name": f"Test Facility {n}",
        "kind": "crisis_receiving",
        "address": "1138 Pine Street, Burlington, VT",
        "lat": lat,
        "lon": lon,
        "phone": "+18025550900",
        "accepts_youth": False,
        "accepts_involuntary": True,
        "accepts_walk_in": True,
    }
    values.update(fields)
    with app.app_context():
        facility = Facility(**values)
        facility.beds = [
            FacilityBeds(bed_type=bed_type, available=available, total=total)
            for bed_type, (available, total) in (beds if beds is not None else {"adult": (3, 8)}).items()
        ]
        facility.beds_updated_at = clock_now() if beds_updated_at == "now" else beds_updated_at  # type: ignore[assignment]
        db.session.add(facility)
        db.session.commit()
        return int(facility.id)
