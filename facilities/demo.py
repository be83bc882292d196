"""Demo facilities for `flask --app wsgi demo seed`: made-up places ("Demo …") on real Burlington,
VT address points (Vermont E911 / VCGI, data/addresses/burlington_vt.csv), with made-up bed
counts reported at seed time. Not real services: no such places, numbers or beds exist."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.clock import now as clock_now
from facilities.models import Facility, FacilityBeds

DEMO_FACILITIES: list[dict[str, Any]] = [
    {
        "name": "Demo Crisis Receiving Center",
        "kind": "crisis_receiving",
        "address": "1138 Pine Street, Burlington, VT",
        "lat": 44.4471027,
        "lon": -73.2142613,
        "phone": "+18025550900",
        "accepts_youth": False,
        "accepts_involuntary": True,
        "accepts_walk_in": True,
        "beds": {"adult": (4, 12), "observation": (6, 16)},
    },
    {
        "name": "Demo Youth Stabilization House",
        "kind": "stabilization",
        "address": "45 Clarke Street, Burlington, VT",
        "lat": 44.4817872,
        "lon": -73.2126226,
        "phone": "+18025550910",
        "accepts_youth": True,
        "accepts_involuntary": False,
        "accepts_walk_in": False,
        "beds": {"youth": (2, 6)},
    },
    {
        "name": "Demo Hospital Emergency Department",
        "kind": "hospital_ed",
        "address": "111 Colchester Avenue, Burlington, VT",
        "lat": 44.4798207,
        "lon": -73.1939675,
        "phone": "+18025550920",
        "accepts_youth": True,
        "accepts_involuntary": True,
        "accepts_walk_in": True,
        "beds": {"adult": (1, 10), "youth": (0, 2), "observation": (2, 6)},
    },
    {
        "name": "Demo Peer Respite",
        "kind": "respite",
        "address": "20 Allen Street, Burlington, VT",
        "lat": 44.4839292,
        "lon": -73.2151130,
        "phone": None,
        "accepts_youth": False,
        "accepts_involuntary": False,
        "accepts_walk_in": True,
        "beds": {"adult": (3, 5)},
    },
    {
        "name": "Demo Detox and Recovery Unit",
        "kind": "detox",
        "address": "714 Riverside Avenue, Burlington, VT",
        "lat": 44.4892917,
        "lon": -73.2095822,
        "phone": "+18025550930",
        "accepts_youth": False,
        "accepts_involuntary": False,
        "accepts_walk_in": True,
        "beds": {"detox": (2, 10)},
    },
    {
        "name": "Demo 23-Hour Observation Center",
        "kind": "crisis_receiving",
        "address": "208 Flynn Avenue, Burlington, VT",
        "lat": 44.4564791,
        "lon": -73.2180980,
        "phone": "+18025550940",
        "accepts_youth": False,
        "accepts_involuntary": True,
        "accepts_walk_in": True,
        "beds": {"observation": (5, 12)},
    },
]


def seed_demo_facilities(*, session: Any) -> list[str]:
    """Add the demo facilities that are not there yet (by name), and give a demo facility that
    has no beds yet (seeded before beds existed) its demo beds, fresh. The names added."""
    have = {facility.name: facility for facility in session.scalars(sa.select(Facility))}
    added = []
    now = clock_now()
    for spec in DEMO_FACILITIES:
        fields = {key: value for key, value in spec.items() if key != "beds"}
        facility = have.get(spec["name"])
        if facility is None:
            facility = Facility(**fields)
            session.add(facility)
            added.append(spec["name"])
        if not facility.beds:
            facility.beds = [
                FacilityBeds(bed_type=bed_type, available=available, total=total)
                for bed_type, (available, total) in spec["beds"].items()
            ]
            facility.beds_updated_at = now
    session.flush()
    return added
