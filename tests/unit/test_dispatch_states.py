"""The incident and unit state machines: what a dispatcher or a team may and may not do."""

from __future__ import annotations

import itertools

import pytest

from dispatch.states import (
    AVAILABILITY,
    FINAL_STATUSES,
    INCIDENT_TRANSITIONS,
    OPEN_STATUSES,
    UNIT_TRANSITIONS,
    Availability,
    IllegalTransition,
    IncidentStatus,
    Outcome,
    UnitStatus,
    incident_transition,
    is_dispatchable,
    outcomes_for,
    unit_follows,
    unit_status_for,
    unit_transition,
)

IS = IncidentStatus
US = UnitStatus

LEGAL_INCIDENT_MOVES = [(a, b) for a, targets in INCIDENT_TRANSITIONS.items() for b in targets]
ILLEGAL_INCIDENT_MOVES = [
    (a, b) for a, b in itertools.product(IncidentStatus, IncidentStatus) if b not in INCIDENT_TRANSITIONS[a]
]


def test_the_documented_lifecycle_can_be_walked_end_to_end() -> None:
    path = [
        IS.PENDING,
        IS.DISPATCHED,
        IS.ACKNOWLEDGED,
        IS.EN_ROUTE,
        IS.ON_SCENE,
        IS.TRANSPORTING,
        IS.AT_FACILITY,
        IS.CLEARED,
        IS.CLOSED,
    ]
    for current, target in itertools.pairwise(path):
        incident_transition(current, target)


@pytest.mark.parametrize(("current", "target"), LEGAL_INCIDENT_MOVES)
def test_every_legal_incident_move_is_allowed(current: IS, target: IS) -> None:
    incident_transition(current, target)


@pytest.mark.parametrize(("current", "target"), ILLEGAL_INCIDENT_MOVES)
def test_every_other_incident_move_raises(current: IS, target: IS) -> None:
    with pytest.raises(IllegalTransition) as raised:
        incident_transition(current, target)
    assert raised.value.current is current
    assert raised.value.target is target
    assert current.value in str(raised.value)


def test_illegal_moves_include_the_ones_a_dispatcher_could_try() -> None:
    for current, target in [
        (IS.PENDING, IS.ON_SCENE),  # only an assignment leaves pending
        (IS.PENDING, IS.CLOSED),
        (IS.ON_SCENE, IS.EN_ROUTE),
        (IS.TRANSPORTING, IS.CLEARED),  # a transport ends at the facility
        (IS.CLEARED, IS.CANCELLED),
        (IS.ON_SCENE, IS.PENDING),
    ]:
        with pytest.raises(IllegalTransition):
            incident_transition(current, target)


@pytest.mark.parametrize("status", sorted(OPEN_STATUSES))
def test_cancelled_from_every_open_status(status: IS) -> None:
    incident_transition(status, IS.CANCELLED)


@pytest.mark.parametrize("status", sorted(FINAL_STATUSES))
def test_closed_and_cancelled_are_final(status: IS) -> None:
    for target in IncidentStatus:
        with pytest.raises(IllegalTransition):
            incident_transition(status, target)


def test_open_cleared_and_final_statuses_cover_every_status_once() -> None:
    assert OPEN_STATUSES.isdisjoint(FINAL_STATUSES)
    assert set(IncidentStatus) == OPEN_STATUSES | FINAL_STATUSES | {IS.CLEARED}
    assert IS.CLEARED not in OPEN_STATUSES


@pytest.mark.parametrize("status", [IS.DISPATCHED, IS.ACKNOWLEDGED, IS.EN_ROUTE])
def test_a_declined_or_replaced_unit_puts_the_incident_back_in_the_queue(
    status: IS,
) -> None:
    incident_transition(status, IS.PENDING)
    assert unit_status_for(IS.PENDING) is US.AVAILABLE


def test_no_move_to_the_same_status() -> None:
    for status in IncidentStatus:
        with pytest.raises(IllegalTransition):
            incident_transition(status, status)


def test_outcomes_at_clear_depend_on_whether_the_team_arrived() -> None:
    assert outcomes_for(IS.EN_ROUTE) == {
        Outcome.CANCELLED_BEFORE_ARRIVAL,
        Outcome.HANDED_TO_EMS,
        Outcome.HANDED_TO_POLICE,
    }
    on_scene = outcomes_for(IS.ON_SCENE)
    assert Outcome.STABILIZED_ON_SCENE in on_scene
    assert Outcome.UNABLE_TO_LOCATE in on_scene
    assert Outcome.CANCELLED_BEFORE_ARRIVAL not in on_scene
    assert outcomes_for(IS.PENDING) == frozenset()
    assert outcomes_for(IS.CLOSED) == frozenset()
    assert len(Outcome) == 10


def test_availability_classes_follow_the_domain() -> None:
    assert {s for s, a in AVAILABILITY.items() if a is Availability.AVAILABLE} == {US.AVAILABLE}
    assert {s for s, a in AVAILABILITY.items() if a is Availability.UNAVAILABLE} == {
        US.OUT_OF_SERVICE,
        US.OFF_DUTY,
    }
    assert AVAILABILITY[US.STAGING] is Availability.COMMITTED
    assert AVAILABILITY[US.CLEARING] is Availability.COMMITTED
    assert set(AVAILABILITY) == set(UnitStatus)


def test_only_available_units_are_dispatchable() -> None:
    assert [s for s in UnitStatus if is_dispatchable(s)] == [US.AVAILABLE]


@pytest.mark.parametrize(
    ("incident", "unit"),
    [
        (IS.DISPATCHED, US.DISPATCHED),
        (IS.ACKNOWLEDGED, US.DISPATCHED),
        (IS.EN_ROUTE, US.EN_ROUTE),
        (IS.ON_SCENE, US.ON_SCENE),
        (IS.TRANSPORTING, US.TRANSPORTING),
        (IS.AT_FACILITY, US.AT_FACILITY),
        (IS.CLEARED, US.AVAILABLE),
        (IS.CLOSED, US.AVAILABLE),
        (IS.CANCELLED, US.AVAILABLE),
    ],
)
def test_the_unit_follows_its_incident(incident: IS, unit: US) -> None:
    assert unit_status_for(incident) is unit


def _unit_statuses_while(incident: IS) -> set[US]:
    """Unit statuses an assigned unit may hold while its incident is in ``incident``."""
    held = {unit_status_for(incident)}
    if incident in {IS.DISPATCHED, IS.ACKNOWLEDGED, IS.EN_ROUTE}:
        held.add(US.STAGING)
    if incident in {IS.ON_SCENE, IS.AT_FACILITY}:
        held.add(US.CLEARING)
    return held


@pytest.mark.parametrize(("current", "target"), [m for m in LEGAL_INCIDENT_MOVES if m[0] is not IS.PENDING])
def test_every_incident_move_gives_a_legal_unit_move(current: IS, target: IS) -> None:
    for unit in _unit_statuses_while(current):
        follow = unit_follows(unit, target)
        if follow is not unit:
            unit_transition(unit, follow)


def test_a_staging_unit_keeps_staging_until_the_team_reports_on_scene() -> None:
    assert unit_follows(US.STAGING, IS.EN_ROUTE) is US.STAGING
    assert unit_follows(US.STAGING, IS.ON_SCENE) is US.ON_SCENE
    assert unit_follows(US.STAGING, IS.CANCELLED) is US.AVAILABLE


def test_assignment_takes_an_available_unit_only() -> None:
    unit_transition(US.AVAILABLE, US.DISPATCHED)
    for status in UnitStatus:
        if status is not US.AVAILABLE:
            with pytest.raises(IllegalTransition):
                unit_transition(status, US.DISPATCHED)


def test_manual_unit_moves() -> None:
    for current, target in [
        (US.AVAILABLE, US.OUT_OF_SERVICE),
        (US.OUT_OF_SERVICE, US.AVAILABLE),
        (US.AVAILABLE, US.OFF_DUTY),
        (US.OFF_DUTY, US.AVAILABLE),
        (US.EN_ROUTE, US.STAGING),
        (US.STAGING, US.ON_SCENE),
        (US.ON_SCENE, US.STAGING),  # the scene turned unsafe
        (US.ON_SCENE, US.CLEARING),
        (US.CLEARING, US.AVAILABLE),
        (US.EN_ROUTE, US.OUT_OF_SERVICE),  # breakdown
    ]:
        unit_transition(current, target)
    for current, target in [
        (US.OFF_DUTY, US.ON_SCENE),
        (US.OUT_OF_SERVICE, US.EN_ROUTE),
        (US.ON_SCENE, US.OFF_DUTY),  # finish the call first
        (US.AVAILABLE, US.ON_SCENE),
        (US.AVAILABLE, US.AVAILABLE),
    ]:
        with pytest.raises(IllegalTransition):
            unit_transition(current, target)


def test_every_unit_status_has_a_row() -> None:
    assert set(UNIT_TRANSITIONS) == set(UnitStatus)
    assert set(INCIDENT_TRANSITIONS) == set(IncidentStatus)
    # Every status other than available can get back to available one way or another.
    for status in UnitStatus:
        if status is not US.AVAILABLE:
            assert US.AVAILABLE in UNIT_TRANSITIONS[status]
