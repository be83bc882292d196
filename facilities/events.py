"""What happens to facilities, as domain events (see core/bus.py).

Published by facilities/service.py (a facility added or changed, beds reported) and
facilities/transport.py (a transport started towards it, arrived and took a bed, or ended);
the reaction is facilities/handlers.py's `EVENT_HANDLERS`: the `facility.updated` live event.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.actors import Actor
from core.bus import DomainEvent


@dataclass(frozen=True)
class FacilityUpdated(DomainEvent):
    """A facility, its beds or its incoming transports changed. `change` says which, in words
    the audit trail also uses: "created", "updated", "beds", "incoming", "arrived"."""

    facility_id: int
    by: Actor
    change: str
