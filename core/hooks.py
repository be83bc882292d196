"""In-transaction hooks: one domain tells the others what just changed, before the commit.

A hook handler runs inside the caller's transaction and writes only rows (an outbox message, a
timer, an alert). Nothing leaves the process from here: what must be sent is sent by a relay after
the commit, so a rolled-back change leaves no trace anywhere.

Hooks and their keyword arguments (all also get `session`):
- "call.created": call, by
- "incident.created": incident, by
- "assignment.created": incident, unit, assignment, by
- "incident.moved": incident, unit (or None), from_status, to_status, by
- "unit.moved": unit, from_status, to_status, by
- "unit.position": unit, by
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

Handler = Callable[..., None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def connect(name: str, handler: Handler) -> None:
    """Register once per process (module import time or an idempotent init_app)."""
    if handler not in _handlers[name]:
        _handlers[name].append(handler)


def fire(name: str, **kwargs: Any) -> None:
    for handler in list(_handlers.get(name, ())):
        handler(**kwargs)
