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
