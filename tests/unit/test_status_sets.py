"""The named status sets other packages use (timers, the outbox), against hand-written lists."""

from __future__ import annotations

from dispatch.states import ARRIVED_STATUSES, PRE_ARRIVAL_STATUSES, UNASSIGNED_STATUSES


def test_the_team_has_arrived_from_on_scene_until_it_clears():
    assert set(ARRIVED_STATUSES) == {"on_scene", "transporting", "at_facility"}


def test_before_arrival_a_unit_is_dispatched_acknowledged_or_en_route():
    assert set(PRE_ARRIVAL_STATUSES) == {"dispatched", "acknowledged", "en_route"}


def test_no_team_is_on_an_incident_that_waits_or_is_done():
    assert set(UNASSIGNED_STATUSES) == {"pending", "cleared", "closed", "cancelled"}
