"""Demo facilities for `flask --app wsgi demo seed`: made-up places ("Demo …") on real Burlington,
VT address points (Vermont E911 / VCGI, data/addresses/burlington_vt.csv). Not real services."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from facilities.models import Facility

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
    },
]


def seed_demo_facilities(*, session: Any) -> list[str]:
    """Add the demo facilities that are not there yet (by name); the names added."""
    have = set(session.scalars(sa.select(Facility.name)))
    added = []
    for spec in DEMO_FACILITIES:
        if spec["name"] not in have:
            session.add(Facility(**spec))
            added.append(spec["name"])
    session.flush()
    return added
