"""The incident and unit state machines: what a dispatcher or a team may and may not do.

Every expectation here is written out by hand from DOMAIN.md ("Unit statuses", "Incident lifecycle",
"Outcome at clear") and the reasons for each move beyond the straight line given in
dispatch/states.py; none is read back from the product's own tables, so a wrong edit of those tables
fails a test naming the pair it broke.
"""

from __future__ import annotations

import itertools

import pytest

from dispatch.states import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Availability,
    IllegalTransition,
    IncidentStatus,
    Outcome,
    UnitStatus,
    availability_of,
    can_move_incident,
    can_move_unit,
    incident_transition,
    is_dispatchable,
    outcomes_for,
    unit_follows,
    unit_status_for,
    unit_transition,
)

IS = IncidentStatus
US = UnitStatus


def grid(text: str, columns: dict[str, str]) -> dict[tuple[str, str], bool]:
    """Read a move table: one row per status it moves from, `Y` where the move to that column's
    status is allowed and `.` where it is refused."""
    table = {}
    header, *rows = (line.split() for line in text.strip().splitlines())
    targets = [columns[short] for short in header]
    for current, *marks in rows:
        assert len(marks) == len(targets), f"row {current} has {len(marks)} marks"
        for target, mark in zip(targets, marks, strict=True):
            assert mark in {"Y", "."}, f"row {current}: {mark!r}"
            table[(current, target)] = mark == "Y"
    return table


# pending -> dispatched -> acknowledged -> en_route -> on_scene -> (transporting -> at_facility)
# -> cleared -> closed; cancelled from any open state. Beyond that straight line: back to pending
# when the unit declines or is replaced before arrival; forward skips before arrival (late or lost
# SMS replies); cleared straight from before arrival (stood down); on_scene -> cleared without a
# transport. Nothing leaves pending but an assignment or a cancellation; nothing moves to itself.
INCIDENT_MOVES = grid(
    """
                  PEN  DIS  ACK  ENR  ONS  TRN  FAC  CLR  CLO  CAN
    pending        .    Y    .    .    .    .    .    .    .    Y
    dispatched     Y    .    Y    Y    Y    .    .    Y    .    Y
    acknowledged   Y    .    .    Y    Y    .    .    Y    .    Y
    en_route       Y    .    .    .    Y    .    .    Y    .    Y
    on_scene       .    .    .    .    .    Y    .    Y    .    Y
    transporting   .    .    .    .    .    .    Y    .    .    Y
    at_facility    .    .    .    .    .    .    .    Y    .    Y
    cleared        .    .    .    .    .    .    .    .    Y    .
    closed         .    .    .    .    .    .    .    .    .    .
    cancelled      .    .    .    .    .    .    .    .    .    .
    """,
    {
        "PEN": "pending",
        "DIS": "dispatched",
        "ACK": "acknowledged",
        "ENR": "en_route",
        "ONS": "on_scene",
        "TRN": "transporting",
        "FAC": "at_facility",
        "CLR": "cleared",
        "CLO": "closed",
        "CAN": "cancelled",
    },
)

# Only an available unit is assigned. A committed unit can always be released (reassigned,
# cancelled, cleared) or go out of service (breakdown); staging is set by hand before or on the
# scene; a clearing unit may still be asked to transport. Off duty only from available or out of
# service: a team finishes its call first.
UNIT_MOVES = grid(
    """
                    AVL  DIS  ENR  STG  ONS  TRN  FAC  CLG  OOS  OFF
    available        .    Y    .    .    .    .    .    .    Y    Y
    dispatched       Y    .    Y    Y    Y    .    .    .    Y    .
    en_route         Y    .    .    Y    Y    .    .    .    Y    .
    staging          Y    .    Y    .    Y    .    .    .    Y    .
    on_scene         Y    .    .    Y    .    Y    .    Y    Y    .
    transporting     Y    .    .    .    .    .    Y    .    Y    .
    at_facility      Y    .    .    .    .    .    .    Y    Y    .
    clearing         Y    .    .    .    .    Y    .    .    Y    .
    out_of_service   Y    .    .    .    .    .    .    .    .    Y
    off_duty         Y    .    .    .    .    .    .    .    Y    .
    """,
    {
        "AVL": "available",
        "DIS": "dispatched",
        "ENR": "en_route",
        "STG": "staging",
        "ONS": "on_scene",
        "TRN": "transporting",
        "FAC": "at_facility",
        "CLG": "clearing",
        "OOS": "out_of_service",
        "OFF": "off_duty",
    },
)

INCIDENT_STATUS_NAMES = [
    "pending",
    "dispatched",
    "acknowledged",
    "en_route",
    "on_scene",
    "transporting",
    "at_facility",
    "cleared",
    "closed",
    "cancelled",
]
UNIT_STATUS_NAMES = [
    "available",
    "dispatched",
    "en_route",
    "staging",
    "on_scene",
    "transporting",
    "at_facility",
    "clearing",
    "out_of_service",
    "off_duty",
]


def _ids(pairs: dict[tuple[str, str], bool]) -> list[str]:
    return [f"{a}->{b}:{'allowed' if ok else 'refused'}" for (a, b), ok in pairs.items()]


def test_the_statuses_are_those_of_the_domain() -> None:
    assert [s.value for s in IncidentStatus] == INCIDENT_STATUS_NAMES
    assert [s.value for s in UnitStatus] == UNIT_STATUS_NAMES
    # The tables below have a mark for every pair.
    assert set(INCIDENT_MOVES) == set(itertools.product(INCIDENT_STATUS_NAMES, repeat=2))
    assert set(UNIT_MOVES) == set(itertools.product(UNIT_STATUS_NAMES, repeat=2))


@pytest.mark.parametrize(
    ("current", "target", "allowed"), [(*k, v) for k, v in INCIDENT_MOVES.items()], ids=_ids(INCIDENT_MOVES)
)
def test_incident_move(current: str, target: str, allowed: bool) -> None:
    assert can_move_incident(IS(current), IS(target)) is allowed
    if allowed:
        incident_transition(IS(current), IS(target))
    else:
        with pytest.raises(IllegalTransition) as raised:
            incident_transition(IS(current), IS(target))
        assert (raised.value.current, raised.value.target) == (IS(current), IS(target))
        assert str(raised.value) == f"cannot move from {current} to {target}"


@pytest.mark.parametrize(
    ("current", "target", "allowed"), [(*k, v) for k, v in UNIT_MOVES.items()], ids=_ids(UNIT_MOVES)
)
def test_unit_move(current: str, target: str, allowed: bool) -> None:
    assert can_move_unit(US(current), US(target)) is allowed
    if allowed:
        unit_transition(US(current), US(target))
    else:
        with pytest.raises(IllegalTransition) as raised:
            unit_transition(US(current), US(target))
        assert str(raised.value) == f"cannot move from {current} to {target}"


def test_the_documented_lifecycle_can_be_walked_end_to_end() -> None:
    path = ["pending", "dispatched", "acknowledged", "en_route", "on_scene", "transporting", "at_facility"]
    for current, target in itertools.pairwise([*path, "cleared", "closed"]):
        incident_transition(IS(current), IS(target))


def test_open_and_final_statuses() -> None:
    assert {s.value for s in OPEN_STATUSES} == {
        "pending",
        "dispatched",
        "acknowledged",
        "en_route",
        "on_scene",
        "transporting",
        "at_facility",
    }
    assert {s.value for s in FINAL_STATUSES} == {"closed", "cancelled"}
    # cleared is neither: the unit is free but the incident waits to be closed.


AVAILABILITY_CLASSES = {
    "available": "available",
    "dispatched": "committed",
    "en_route": "committed",
    "staging": "committed",
    "on_scene": "committed",
    "transporting": "committed",
    "at_facility": "committed",
    "clearing": "committed",
    "out_of_service": "unavailable",
    "off_duty": "unavailable",
}


@pytest.mark.parametrize(("status", "availability"), AVAILABILITY_CLASSES.items())
def test_availability_class(status: str, availability: str) -> None:
    assert availability_of(US(status)) is Availability(availability)
    assert is_dispatchable(US(status)) is (availability == "available")


# The unit status an assigned unit takes when its incident moves (an acknowledged unit is still
# "dispatched" until it moves; back in the queue, cleared, closed or cancelled frees it).
UNIT_FOR_INCIDENT = {
    "pending": "available",
    "dispatched": "dispatched",
    "acknowledged": "dispatched",
    "en_route": "en_route",
    "on_scene": "on_scene",
    "transporting": "transporting",
    "at_facility": "at_facility",
    "cleared": "available",
    "closed": "available",
    "cancelled": "available",
}


@pytest.mark.parametrize(("incident", "unit"), UNIT_FOR_INCIDENT.items())
def test_the_unit_follows_its_incident(incident: str, unit: str) -> None:
    assert unit_status_for(IS(incident)) is US(unit)
    assert unit_follows(US.DISPATCHED, IS(incident)) is US(unit)
    assert unit_follows(US.CLEARING, IS(incident)) is US(unit)


# A staging unit stays staging while its incident has not reached the scene; from the scene on,
# or when the incident goes back to the queue or ends, the incident decides.
STAGING_UNIT_AFTER = {
    "pending": "available",
    "dispatched": "staging",
    "acknowledged": "staging",
    "en_route": "staging",
    "on_scene": "on_scene",
    "transporting": "transporting",
    "at_facility": "at_facility",
    "cleared": "available",
    "closed": "available",
    "cancelled": "available",
}


@pytest.mark.parametrize(("incident", "unit"), STAGING_UNIT_AFTER.items())
def test_a_staging_unit_after_its_incident_moves(incident: str, unit: str) -> None:
    assert unit_follows(US.STAGING, IS(incident)) is US(unit)


# Unit statuses an assigned unit may hold while its incident is in a status: the one the incident
# gives it, staging set by hand before arrival or on scene, clearing set by hand after the scene.
UNIT_WHILE_INCIDENT = {
    "dispatched": {"dispatched", "staging"},
    "acknowledged": {"dispatched", "staging"},
    "en_route": {"en_route", "staging"},
    "on_scene": {"on_scene", "staging", "clearing"},
    "transporting": {"transporting"},
    "at_facility": {"at_facility", "clearing"},
}
FOLLOWED_MOVES = [
    (current, target, unit)
    for (current, target), allowed in INCIDENT_MOVES.items()
    if allowed and current in UNIT_WHILE_INCIDENT
    for unit in sorted(UNIT_WHILE_INCIDENT[current])
]


# The one combination where the unit cannot follow: a team that withdrew from the scene to stage
# cannot start a transport (it reports on scene first); the move is refused, not half made.
CANNOT_FOLLOW = {("on_scene", "transporting", "staging")}


@pytest.mark.parametrize(("current", "target", "unit"), FOLLOWED_MOVES)
def test_every_incident_move_gives_the_unit_a_legal_move(current: str, target: str, unit: str) -> None:
    follow = unit_follows(US(unit), IS(target)).value
    if (current, target, unit) in CANNOT_FOLLOW:
        assert not UNIT_MOVES[(unit, follow)]
        with pytest.raises(IllegalTransition):
            unit_transition(US(unit), US(follow))
    elif follow != unit:
        assert UNIT_MOVES[(unit, follow)], f"incident {current}->{target} moves its {unit} unit to {follow}"
        unit_transition(US(unit), US(follow))


ARRIVED = {
    "stabilized_on_scene",
    "declined_services",
    "referred_outpatient",
    "transported_crisis_facility",
    "transported_hospital_voluntary",
    "involuntary_hold",
    "handed_to_ems",
    "handed_to_police",
    "unable_to_locate",
}
BEFORE_ARRIVAL = {"cancelled_before_arrival", "handed_to_ems", "handed_to_police"}
# Outcomes a dispatcher may record when an incident in each status clears; none where it cannot.
OUTCOMES_AT_CLEAR: dict[str, set[str]] = {
    "pending": set(),
    "dispatched": BEFORE_ARRIVAL,
    "acknowledged": BEFORE_ARRIVAL,
    "en_route": BEFORE_ARRIVAL,
    "on_scene": ARRIVED,
    "transporting": set(),  # a transport ends at the facility first
    "at_facility": ARRIVED,
    "cleared": set(),
    "closed": set(),
    "cancelled": set(),
}


def test_the_outcomes_are_those_of_the_domain() -> None:
    assert {o.value for o in Outcome} == ARRIVED | {"cancelled_before_arrival"}


@pytest.mark.parametrize(("status", "outcomes"), OUTCOMES_AT_CLEAR.items())
def test_outcomes_at_clear(status: str, outcomes: set[str]) -> None:
    assert {o.value for o in outcomes_for(IS(status))} == outcomes
