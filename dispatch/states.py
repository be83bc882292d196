"""Incident and unit state machines, as tables (pure: no Flask, no database).

Incident lifecycle (DOMAIN.md)::

    pending -> dispatched -> acknowledged -> en_route -> on_scene
            -> (transporting -> at_facility) -> cleared -> closed;   cancelled from any open state

Moves beyond the straight line, and why:

* ``dispatched | acknowledged | en_route -> pending``: the unit declines (``DECLINE``), does not
  acknowledge in time and is replaced, is diverted to a more urgent call or breaks down. The
  incident goes back to the queue and its unit is released.
* Forward skips within ``dispatched -> acknowledged -> en_route -> on_scene``: SMS replies get
  lost or arrive late; a team that answers ``ONS`` is on scene whatever it said before. A skipped
  step keeps no timestamp. No skip out of ``pending``: only an assignment leaves it.
* ``dispatched | acknowledged | en_route -> cleared``: the team is stood down before arrival and
  the encounter is recorded with an outcome such as ``cancelled_before_arrival`` (see
  :func:`outcomes_for`). ``cancelled`` is different: the incident itself is withdrawn (duplicate,
  entered in error, resolved by phone) and needs a reason.
* ``on_scene -> cleared`` (no transport) and ``at_facility -> cleared``.

``OPEN_STATUSES`` are those where a response is still under way (``pending`` .. ``at_facility``):
these may be cancelled. ``cleared`` is no longer open (the unit is free, the outcome is recorded)
but not final either: it waits to be closed. ``closed`` and ``cancelled`` are final.

Staging (waiting for police to declare the scene safe) is a *unit* status: while its unit stages,
the incident stays ``en_route`` (or ``on_scene``, when the team withdrew from the scene).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import StrEnum

log = logging.getLogger(__name__)


class IllegalTransition(Exception):
    """A status move the state machine does not allow (the API answers 409)."""

    def __init__(self, current: StrEnum, target: StrEnum) -> None:
        self.current = current
        self.target = target
        super().__init__(f"cannot move from {current.value} to {target.value}")


class IncidentStatus(StrEnum):
    PENDING = "pending"
    DISPATCHED = "dispatched"
    ACKNOWLEDGED = "acknowledged"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    TRANSPORTING = "transporting"
    AT_FACILITY = "at_facility"
    CLEARED = "cleared"
    CLOSED = "closed"
    CANCELLED = "cancelled"


_I = IncidentStatus

OPEN_STATUSES: frozenset[IncidentStatus] = frozenset(
    {
        _I.PENDING,
        _I.DISPATCHED,
        _I.ACKNOWLEDGED,
        _I.EN_ROUTE,
        _I.ON_SCENE,
        _I.TRANSPORTING,
        _I.AT_FACILITY,
    }
)
FINAL_STATUSES: frozenset[IncidentStatus] = frozenset({_I.CLOSED, _I.CANCELLED})
# Statuses in which a unit is assigned to the incident.
ASSIGNED_STATUSES: frozenset[IncidentStatus] = OPEN_STATUSES - {_I.PENDING}
# Statuses in which no unit is on the incident: waiting for one, or done (check-ins stop).
UNASSIGNED_STATUSES: frozenset[IncidentStatus] = frozenset(IncidentStatus) - ASSIGNED_STATUSES
# A unit is assigned and has not arrived yet (it may still be stood down or take the call back).
PRE_ARRIVAL_STATUSES: frozenset[IncidentStatus] = frozenset({_I.DISPATCHED, _I.ACKNOWLEDGED, _I.EN_ROUTE})
# The team has reached the person and is still with them (safety check-ins run).
ARRIVED_STATUSES: frozenset[IncidentStatus] = frozenset({_I.ON_SCENE, _I.TRANSPORTING, _I.AT_FACILITY})

INCIDENT_TRANSITIONS: Mapping[IncidentStatus, frozenset[IncidentStatus]] = {
    _I.PENDING: frozenset({_I.DISPATCHED, _I.CANCELLED}),
    _I.DISPATCHED: frozenset(
        {
            _I.ACKNOWLEDGED,
            _I.EN_ROUTE,
            _I.ON_SCENE,
            _I.PENDING,
            _I.CLEARED,
            _I.CANCELLED,
        }
    ),
    _I.ACKNOWLEDGED: frozenset({_I.EN_ROUTE, _I.ON_SCENE, _I.PENDING, _I.CLEARED, _I.CANCELLED}),
    _I.EN_ROUTE: frozenset({_I.ON_SCENE, _I.PENDING, _I.CLEARED, _I.CANCELLED}),
    _I.ON_SCENE: frozenset({_I.TRANSPORTING, _I.CLEARED, _I.CANCELLED}),
    _I.TRANSPORTING: frozenset({_I.AT_FACILITY, _I.CANCELLED}),
    _I.AT_FACILITY: frozenset({_I.CLEARED, _I.CANCELLED}),
    _I.CLEARED: frozenset({_I.CLOSED}),
    _I.CLOSED: frozenset(),
    _I.CANCELLED: frozenset(),
}


def can_move_incident(current: IncidentStatus, target: IncidentStatus) -> bool:
    return target in INCIDENT_TRANSITIONS[current]


def incident_transition(current: IncidentStatus, target: IncidentStatus) -> None:
    """Check one incident move; raise :class:`IllegalTransition` when it is not allowed.

    Moving to the status the incident already has is not a move, and is refused too: a repeated
    SMS reply is the caller's to ignore before it asks.
    """
    if target not in INCIDENT_TRANSITIONS[current]:
        raise IllegalTransition(current, target)


class Outcome(StrEnum):
    """How an encounter ended, recorded when the incident clears (DOMAIN.md)."""

    STABILIZED_ON_SCENE = "stabilized_on_scene"
    DECLINED_SERVICES = "declined_services"
    REFERRED_OUTPATIENT = "referred_outpatient"
    TRANSPORTED_CRISIS_FACILITY = "transported_crisis_facility"
    TRANSPORTED_HOSPITAL_VOLUNTARY = "transported_hospital_voluntary"
    INVOLUNTARY_HOLD = "involuntary_hold"
    HANDED_TO_EMS = "handed_to_ems"
    HANDED_TO_POLICE = "handed_to_police"
    UNABLE_TO_LOCATE = "unable_to_locate"
    CANCELLED_BEFORE_ARRIVAL = "cancelled_before_arrival"


_PRE_ARRIVAL = PRE_ARRIVAL_STATUSES
_PRE_ARRIVAL_OUTCOMES = frozenset({Outcome.CANCELLED_BEFORE_ARRIVAL, Outcome.HANDED_TO_EMS, Outcome.HANDED_TO_POLICE})


def outcomes_for(current: IncidentStatus) -> frozenset[Outcome]:
    """Outcomes that make sense when an incident in ``current`` clears.

    Before arrival the team can only have been stood down or handed over; once it has arrived,
    every outcome but ``cancelled_before_arrival``. Empty when the incident cannot clear.
    """
    if _I.CLEARED not in INCIDENT_TRANSITIONS[current]:
        return frozenset()
    if current in _PRE_ARRIVAL:
        return _PRE_ARRIVAL_OUTCOMES
    return frozenset(Outcome) - {Outcome.CANCELLED_BEFORE_ARRIVAL}


class Availability(StrEnum):
    AVAILABLE = "available"
    COMMITTED = "committed"
    UNAVAILABLE = "unavailable"


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    DISPATCHED = "dispatched"  # assigned, awaiting acknowledgement or movement
    EN_ROUTE = "en_route"
    STAGING = "staging"  # waiting for police to declare the scene safe
    ON_SCENE = "on_scene"
    TRANSPORTING = "transporting"
    AT_FACILITY = "at_facility"
    CLEARING = "clearing"  # finishing up (notes, hand-off) before it is free again
    OUT_OF_SERVICE = "out_of_service"
    OFF_DUTY = "off_duty"


_U = UnitStatus

AVAILABILITY: Mapping[UnitStatus, Availability] = {
    _U.AVAILABLE: Availability.AVAILABLE,
    _U.DISPATCHED: Availability.COMMITTED,
    _U.EN_ROUTE: Availability.COMMITTED,
    _U.STAGING: Availability.COMMITTED,
    _U.ON_SCENE: Availability.COMMITTED,
    _U.TRANSPORTING: Availability.COMMITTED,
    _U.AT_FACILITY: Availability.COMMITTED,
    _U.CLEARING: Availability.COMMITTED,
    _U.OUT_OF_SERVICE: Availability.UNAVAILABLE,
    _U.OFF_DUTY: Availability.UNAVAILABLE,
}


def availability_of(status: UnitStatus) -> Availability:
    return AVAILABILITY[status]


def is_dispatchable(status: UnitStatus) -> bool:
    """Only an ``available`` unit may be recommended or assigned."""
    return AVAILABILITY[status] is Availability.AVAILABLE


# Unit moves. Those to dispatched/en_route/on_scene/transporting/at_facility normally follow the
# incident (see unit_status_for); the others are set by the team or a dispatcher: going on and
# off duty or out of service, staging, clearing. Any committed unit may be released back to
# available (the incident was reassigned, cancelled or cleared) or go out of service (breakdown).
_RELEASE = frozenset({_U.AVAILABLE, _U.OUT_OF_SERVICE})

UNIT_TRANSITIONS: Mapping[UnitStatus, frozenset[UnitStatus]] = {
    _U.AVAILABLE: frozenset({_U.DISPATCHED, _U.OUT_OF_SERVICE, _U.OFF_DUTY}),
    _U.DISPATCHED: _RELEASE | {_U.EN_ROUTE, _U.STAGING, _U.ON_SCENE},
    _U.EN_ROUTE: _RELEASE | {_U.STAGING, _U.ON_SCENE},
    _U.STAGING: _RELEASE | {_U.EN_ROUTE, _U.ON_SCENE},
    _U.ON_SCENE: _RELEASE | {_U.STAGING, _U.TRANSPORTING, _U.CLEARING},
    _U.TRANSPORTING: _RELEASE | {_U.AT_FACILITY},
    _U.AT_FACILITY: _RELEASE | {_U.CLEARING},
    # Clearing on scene and then asked to transport after all.
    _U.CLEARING: _RELEASE | {_U.TRANSPORTING},
    _U.OUT_OF_SERVICE: frozenset({_U.AVAILABLE, _U.OFF_DUTY}),
    _U.OFF_DUTY: frozenset({_U.AVAILABLE, _U.OUT_OF_SERVICE}),
}

# Unit statuses set by the incident's progress rather than by hand.
FOLLOWS_INCIDENT: frozenset[UnitStatus] = frozenset(
    {_U.DISPATCHED, _U.EN_ROUTE, _U.ON_SCENE, _U.TRANSPORTING, _U.AT_FACILITY}
)


def can_move_unit(current: UnitStatus, target: UnitStatus) -> bool:
    return target in UNIT_TRANSITIONS[current]


def unit_transition(current: UnitStatus, target: UnitStatus) -> None:
    """Check one unit move; raise :class:`IllegalTransition` when it is not allowed."""
    if target not in UNIT_TRANSITIONS[current]:
        raise IllegalTransition(current, target)


_UNIT_FOR_INCIDENT: Mapping[IncidentStatus, UnitStatus] = {
    _I.PENDING: _U.AVAILABLE,  # back in the queue: the unit it had is released
    _I.DISPATCHED: _U.DISPATCHED,
    # Acknowledged but not moving yet: still "dispatched"; the incident records the ack.
    _I.ACKNOWLEDGED: _U.DISPATCHED,
    _I.EN_ROUTE: _U.EN_ROUTE,
    _I.ON_SCENE: _U.ON_SCENE,
    _I.TRANSPORTING: _U.TRANSPORTING,
    _I.AT_FACILITY: _U.AT_FACILITY,
    _I.CLEARED: _U.AVAILABLE,
    _I.CLOSED: _U.AVAILABLE,
    _I.CANCELLED: _U.AVAILABLE,
}


def unit_status_for(incident_status: IncidentStatus) -> UnitStatus:
    """The status the assigned unit takes when its incident moves to ``incident_status``.

    To keep a hand-set ``staging`` that still fits, use :func:`unit_follows`.
    """
    return _UNIT_FOR_INCIDENT[incident_status]


def unit_follows(current: UnitStatus, incident_status: IncidentStatus) -> UnitStatus:
    """The unit's next status after its incident moved to ``incident_status``.

    A hand-set ``staging`` is kept while the incident has not reached the scene; otherwise the
    incident's progress decides (:func:`unit_status_for`): a team that reports on scene is no
    longer staging, and a cleared incident frees a ``clearing`` unit.
    """
    if current is _U.STAGING and incident_status in _PRE_ARRIVAL:
        return current
    return _UNIT_FOR_INCIDENT[incident_status]
