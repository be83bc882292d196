"""What happens to incidents and units, as domain events (see core/bus.py).

Published by dispatch/service.py and dispatch/units.py inside the change's transaction; the
reactions are the `EVENT_HANDLERS` tables of notifications/reactions.py (texts to the team) and
timers/handlers.py (acknowledgement, check-in, pending-SLA, follow-up and position timers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.actors import Actor
from core.bus import DomainEvent
from dispatch.models import Assignment, Incident, Unit
from dispatch.states import IncidentStatus


@dataclass(frozen=True)
class IncidentOpened(DomainEvent):
    """A call that needs a team opened an incident, in `pending`."""

    incident: Incident
    by: Actor


@dataclass(frozen=True)
class UnitAssigned(DomainEvent):
    """A unit was sent: the incident and the unit are both `dispatched` now."""

    incident: Incident
    unit: Unit
    assignment: Assignment
    by: Actor


@dataclass(frozen=True)
class IncidentMoved(DomainEvent):
    """An incident moved along its lifecycle (not its first dispatch: that is `UnitAssigned`).
    `unit` is the unit it had (freed already when the move releases it), or None."""

    incident: Incident
    unit: Unit | None
    from_status: IncidentStatus
    to_status: IncidentStatus
    by: Actor
    at: datetime | None = None  # when the move happened (a backdated move: earlier than now)


@dataclass(frozen=True)
class OutcomeRecorded(DomainEvent):
    """The outcome of an incident cleared without one was recorded afterwards."""

    incident: Incident
    by: Actor


@dataclass(frozen=True)
class UnitPositioned(DomainEvent):
    """A unit sent a position fix newer than the one held."""

    unit: Unit
    by: Actor
