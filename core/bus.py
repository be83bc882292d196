"""Domain events and the table of the handlers that react to them.

A service function that changes the world says what happened by publishing a small frozen
dataclass in the past tense (`dispatch.events.UnitAssigned`, `triage.events.CallLogged`, …).
Each package that reacts keeps one visible table, `EVENT_HANDLERS = {UnitAssigned: (…,), …}`,
and `core.app.create_app` (the composition root) subscribes those tables to the app's bus in
a fixed order. To find every reaction to an assignment, search for `UnitAssigned`.

Handlers run synchronously, inside the publisher's transaction, and write rows only (an outbox
text, a timer, an alert): nothing leaves the process from here. What must be sent is sent by a
relay after the commit, so a rolled-back change leaves no trace anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from config import Settings


class DomainEvent:
    """Base of every domain event (each a frozen dataclass named in the past tense)."""


class EventHandler(Protocol):
    def __call__(self, event: Any, /, *, session: Session, settings: Settings) -> None: ...


HandlerTable = Mapping[type[DomainEvent], Iterable[EventHandler]]


@dataclass
class MessageBus:
    """The handlers of one app, and the settings they are handed."""

    settings: Settings
    _handlers: dict[type[DomainEvent], list[EventHandler]] = field(default_factory=dict)

    def subscribe(self, table: HandlerTable) -> None:
        for event_type, handlers in table.items():
            listed = self._handlers.setdefault(event_type, [])
            listed.extend(h for h in handlers if h not in listed)

    def handlers_for(self, event_type: type[DomainEvent]) -> list[EventHandler]:
        return list(self._handlers.get(event_type, ()))

    def publish(self, event: DomainEvent, *, session: Session) -> None:
        for handler in self._handlers.get(type(event), ()):
            handler(event, session=session, settings=self.settings)
