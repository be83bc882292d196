"""What happens to calls, as domain events (see core/bus.py).

Published by triage/service.py inside the call's transaction; the reactions are the
`EVENT_HANDLERS` table of timers/handlers.py (a phone-only call gets its follow-up).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.actors import Actor
from core.bus import DomainEvent
from triage.models import Call


@dataclass(frozen=True)
class CallLogged(DomainEvent):
    """An operator saved a call (its triage, disposition and, if it needs a team, its incident)."""

    call: Call
    by: Actor


@dataclass(frozen=True)
class CallTransferred(DomainEvent):
    """The warm transfer of an emergency_911 call to 911 was recorded (`call.transfer_at`)."""

    call: Call
    by: Actor
