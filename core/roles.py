"""Roles, the groups of roles routes are opened to, and who sees which unit's records.

Pure: no Flask, no database. Every route, page, live connection and snapshot takes its roles
and its "own unit" rule from here (CONTRACT.md "Sign-in and roles").

Who may do what:

* ``operator`` takes calls: logs them (``INTAKE``), reads calls, questionnaires, alerts and
  follow-ups, and sees every incident and unit (``STAFF``). An operator cannot assign units.
* ``dispatcher`` runs the board (``DISPATCHERS``): recommendations, assignment, cancelling,
  locating and moving incidents, acknowledging alerts, the map, the SMS simulator; reports a
  status or a position for any unit (``UNIT_COMMANDERS``); may open the intake page, read-only.
* ``supervisor`` watches the shift: does what a dispatcher does except reporting for a unit and
  opening the intake page, and reads the audit trail (``AUDITORS``).
* ``field`` rides with one unit (``User.unit_id``): sees that unit's incidents, alerts, texts and
  the unit itself, and nothing else; moves those incidents along with the team's own moves
  (``TEAM_MOVES``: acknowledged to cleared), but never cancels, closes or returns one to the
  queue (dispatcher moves: ``may_make_dispatcher_moves``); reports that unit's status and
  position (``UNIT_REPORTERS``). A field account with no unit sees nothing.
* ``facility`` works at one facility (``User.facility_id``): sees that facility (its beds and
  its incoming transports, each with the minimum: incident number, unit call sign, ETA, bed type;
  never the call's narrative, the caller or the person) and updates its beds
  (``BED_REPORTERS``, for their own facility only: ``may_report_beds``). Nothing else: calls,
  incidents, units, alerts, the map and the board answer 403 (the role is in none of the other
  groups, ``EVERYONE`` included), and their live connection receives only ``facility.updated``
  of their own facility. A facility account with no facility sees nothing.
* ``admin`` may do everything above, and is the only one who manages users, units, facilities
  and the active questionnaire (``ADMINS``).

A user may hold several roles; a route is open to a user who holds any one of its group.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

log = logging.getLogger(__name__)


class Role(StrEnum):
    OPERATOR = "operator"
    DISPATCHER = "dispatcher"
    SUPERVISOR = "supervisor"
    FIELD = "field"
    ADMIN = "admin"
    FACILITY = "facility"


_R = Role

# Every role, in the order CONTRACT.md lists them (the CLI's help shows them so).
ROLES: tuple[str, ...] = tuple(role.value for role in Role)

# Every role there is: who may sign in, ask who they are and open a live connection.
ANY_ROLE: frozenset[Role] = frozenset(Role)
# Every role that works the calls and incidents: a facility's staff are not among them.
EVERYONE: frozenset[Role] = ANY_ROLE - {_R.FACILITY}
# Staff see every unit's records; everyone else (field) only their own unit's.
STAFF: frozenset[Role] = frozenset({_R.OPERATOR, _R.DISPATCHER, _R.SUPERVISOR, _R.ADMIN})
# Who runs dispatch: assign, cancel, locate, recommend; the board, the map, acknowledging alerts.
DISPATCHERS: frozenset[Role] = frozenset({_R.DISPATCHER, _R.SUPERVISOR, _R.ADMIN})
# Who may move an incident along its lifecycle (a field user: only their unit's incident).
INCIDENT_MOVERS: frozenset[Role] = DISPATCHERS | {_R.FIELD}
# The incident moves a unit's own team makes (incident statuses, as strings: this module knows no
# dispatch types). Every other move (back to the queue, cancelled, closed) is a dispatcher's.
TEAM_MOVES: frozenset[str] = frozenset(
    {"acknowledged", "en_route", "on_scene", "transporting", "at_facility", "cleared"}
)
# Who reports a status or a position for any unit.
UNIT_COMMANDERS: frozenset[Role] = frozenset({_R.DISPATCHER, _R.ADMIN})
# Who reports a status or a position at all (a field user: only for their own unit).
UNIT_REPORTERS: frozenset[Role] = UNIT_COMMANDERS | {_R.FIELD}
# Who records which people ride with a unit this shift (a field user reads their own unit's crew).
CREW_SETTERS: frozenset[Role] = UNIT_COMMANDERS
# Who logs calls.
INTAKE: frozenset[Role] = frozenset({_R.OPERATOR, _R.ADMIN})
# Who may open the call intake page (a dispatcher reads it, without the form to log a call).
INTAKE_PAGE: frozenset[Role] = INTAKE | {_R.DISPATCHER}
# Who records the warm transfer of a 911 call (the operator on the line, or a dispatcher).
TRANSFER_RECORDERS: frozenset[Role] = frozenset({_R.OPERATOR, _R.DISPATCHER, _R.ADMIN})
# Who reads the audit trail.
AUDITORS: frozenset[Role] = frozenset({_R.ADMIN, _R.SUPERVISOR})
# Who reads the program's figures and exports (reports/).
REPORT_READERS: frozenset[Role] = frozenset({_R.SUPERVISOR, _R.ADMIN})
# Who manages users, units, facilities and the active questionnaire.
ADMINS: frozenset[Role] = frozenset({_R.ADMIN})
# Who reads facilities (teams need a destination; a facility user: their own only).
FACILITY_READERS: frozenset[Role] = ANY_ROLE
# Who reports a facility's beds (a facility user: their own facility's only, `may_report_beds`).
BED_REPORTERS: frozenset[Role] = frozenset({_R.DISPATCHER, _R.ADMIN, _R.FACILITY})


class Member(Protocol):
    """What the rules below read of a user (a `core.models.User`)."""

    @property
    def unit_id(self) -> int | None: ...

    @property
    def facility_id(self) -> int | None: ...

    def has_any_role(self, roles: frozenset[str] | set[str] | tuple[str, ...]) -> bool: ...


@dataclass(frozen=True, slots=True)
class UnitScope:
    """Whose records a user sees: every unit's (staff), one unit's (field), or nobody's.

    `unit_id` is the filter to apply: None when the user sees every unit, and then `everything`
    is True; a field account that rides with no unit has neither, and sees `nothing`.
    """

    everything: bool
    unit_id: int | None = None

    @property
    def nothing(self) -> bool:
        return not self.everything and self.unit_id is None

    def covers(self, unit_id: int | None) -> bool:
        """True when a record of `unit_id` (None: of no unit) is visible in this scope."""
        return self.everything or (self.unit_id is not None and unit_id == self.unit_id)


def sees_every_unit(user: Member) -> bool:
    return user.has_any_role(STAFF)


def unit_scope(user: Member) -> UnitScope:
    """Staff see all; a field user sees their own unit's records."""
    if sees_every_unit(user):
        return UnitScope(everything=True)
    return UnitScope(everything=False, unit_id=user.unit_id)


def visible_unit_id(user: Member) -> int | None:
    """The one unit whose records a user who is not staff sees (None: staff, or no unit)."""
    return unit_scope(user).unit_id


def can_see_unit(user: Member, unit_id: int | None) -> bool:
    return unit_scope(user).covers(unit_id)


class _HasUnit(Protocol):
    @property
    def unit_id(self) -> int | None: ...


def can_see_incident(user: Member, incident: _HasUnit) -> bool:
    """Staff see every incident; a field user only those assigned to their unit."""
    return can_see_unit(user, incident.unit_id)


def may_report_for_unit(user: Member, unit_id: int) -> bool:
    """Dispatchers and admins report for any unit; a field user only for their own."""
    return user.has_any_role(UNIT_COMMANDERS) or (user.unit_id is not None and user.unit_id == unit_id)


def may_make_dispatcher_moves(user: Member) -> bool:
    """Whether a user may move an incident back to the queue, cancel or close it (any move but
    the team's own, ``TEAM_MOVES``): dispatchers, supervisors and admins; a field user never."""
    return user.has_any_role(DISPATCHERS)


@dataclass(frozen=True, slots=True)
class FacilityScope:
    """Which facilities a user sees: every one (everyone but facility staff), one (a facility
    user's own), or none (a facility account with no facility)."""

    everything: bool
    facility_id: int | None = None

    @property
    def nothing(self) -> bool:
        return not self.everything and self.facility_id is None

    def covers(self, facility_id: int | None) -> bool:
        return self.everything or (self.facility_id is not None and facility_id == self.facility_id)


def is_facility_staff_only(user: Member) -> bool:
    """A user whose only business is a facility's (the role `facility` and no role of EVERYONE)."""
    return user.has_any_role(frozenset({Role.FACILITY})) and not user.has_any_role(EVERYONE)


def facility_scope(user: Member) -> FacilityScope:
    """Staff and field teams see every facility; a facility user their own."""
    if not is_facility_staff_only(user):
        return FacilityScope(everything=True)
    return FacilityScope(everything=False, facility_id=user.facility_id)


def may_report_beds(user: Member, facility_id: int) -> bool:
    """Dispatchers and admins report any facility's beds; a facility user only their own's."""
    if user.has_any_role(frozenset({Role.DISPATCHER, Role.ADMIN})):
        return True
    return user.has_any_role(frozenset({Role.FACILITY})) and user.facility_id == facility_id
