"""The bed rules (facilities/beds.py), pure: the default bed type of a transport, staleness, and
what a bed report may say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import get_args

import pytest

from facilities.beds import BedCount, BedReportInvalid, apply_report, bed_type_for, beds_stale
from facilities.models import BED_TYPES, FACILITY_KINDS
from facilities.schemas import BedType, FacilityKind

NOW = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


def test_the_api_spells_the_same_kinds_and_bed_types_as_the_models():
    assert get_args(BedType) == BED_TYPES
    assert get_args(FacilityKind) == FACILITY_KINDS


@pytest.mark.parametrize(
    ("youth", "offered", "expected"),
    [
        (True, {"adult": 4}, "youth"),  # a youth incident takes a youth bed, wherever it goes
        (False, {"adult": 4, "observation": 2}, "adult"),
        (None, {"observation": 2, "detox": 3}, "observation"),
        (False, {"adult": 0, "detox": 3}, "detox"),  # no adult beds at all: the detox unit's
        (False, {}, "adult"),
    ],
)
def test_the_default_bed_type_follows_the_person_and_what_the_facility_has(youth, offered, expected):
    assert bed_type_for(youth=youth, offered=offered) == expected


def test_a_count_is_stale_when_older_than_the_setting_or_never_given():
    assert beds_stale(None, now=NOW, stale_s=14400) is True
    assert beds_stale(NOW - timedelta(seconds=14400), now=NOW, stale_s=14400) is False
    assert beds_stale(NOW - timedelta(seconds=14401), now=NOW, stale_s=14400) is True


def test_a_report_keeps_the_total_unless_given_and_checks_every_field():
    held = {"adult": BedCount(total=8, available=3)}
    assert apply_report(held, {"adult": (5, None)}) == {"adult": BedCount(total=8, available=5)}
    assert apply_report(held, {"adult": (0, 0), "detox": (1, 2)}) == {
        "adult": BedCount(total=0, available=0),
        "detox": BedCount(total=2, available=1),
    }
    with pytest.raises(BedReportInvalid) as refused:
        apply_report(held, {"adult": (9, None), "detox": (1, None), "suite": (1, 1), "youth": (-1, 2)})
    assert set(refused.value.fields) == {
        "beds.adult.available",
        "beds.detox.total",
        "beds.suite",
        "beds.youth.available",
    }
    assert "at most the total (8)" in refused.value.fields["beds.adult.available"]


def test_a_transport_is_timed_from_the_units_fresh_fix_else_the_scene():
    from dispatch.models import Incident, Unit
    from facilities.transport import transport_origin

    scene = Incident(lat=44.478, lon=-73.2125)
    fresh = Unit(lat=44.46, lon=-73.21, location_at=NOW - timedelta(seconds=60), home_lat=44.5, home_lon=-73.2)
    stale = Unit(lat=44.46, lon=-73.21, location_at=NOW - timedelta(hours=2), home_lat=44.5, home_lon=-73.2)
    assert transport_origin(unit=fresh, incident=scene, now=NOW, stale_s=900) == (44.46, -73.21)
    assert transport_origin(unit=stale, incident=scene, now=NOW, stale_s=900) == (44.478, -73.2125)
    nowhere = Incident(lat=None, lon=None)
    assert transport_origin(unit=stale, incident=nowhere, now=NOW, stale_s=900) == (44.46, -73.21)
    unplaced = Unit(lat=None, lon=None, location_at=None, home_lat=44.5, home_lon=-73.2)
    assert transport_origin(unit=unplaced, incident=nowhere, now=NOW, stale_s=900) == (44.5, -73.2)
    assert transport_origin(unit=None, incident=nowhere, now=NOW, stale_s=900) is None
