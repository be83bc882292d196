"""Who made a change: a signed-in person, or the system on someone's behalf (SMS, a timer)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    name: str

    @classmethod
    def of(cls, user: Any) -> Actor:
        return cls(user_id=int(user.id), name=str(user.username))

    @classmethod
    def system(cls, name: str) -> Actor:
        """E.g. Actor.system("sms:MCT-3"), Actor.system("timer")."""
        return cls(user_id=None, name=name)


def team_of(actor: str | None) -> str | None:
    """The team's call sign of a field-page or SMS actor ("field:MCT-2", "sms:MCT-2" -> "MCT-2");
    None for a person or the system ("timer")."""
    if actor and actor.startswith(("field:", "sms:")):
        return actor.split(":", 1)[1] or None
    return None
