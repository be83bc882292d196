"""The event bus: reactions run in the order they were subscribed, once each, with the app's settings.

No Flask app and no database: the bus is plain Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from config import Settings
from core.app import EVENT_HANDLER_TABLES
from core.bus import DomainEvent, MessageBus
from dispatch.events import IncidentMoved, UnitAssigned
from notifications.reactions import text_dispatch, text_stand_down
from timers.handlers import on_incident_moved, on_unit_assigned


@dataclass(frozen=True)
class KettleBoiled(DomainEvent):
    litres: float


@dataclass(frozen=True)
class DoorOpened(DomainEvent):
    who: str


def test_reactions_run_in_subscription_order_with_the_settings_and_the_session() -> None:
    seen: list[tuple[str, Any, Any, int]] = []

    def pour(event: KettleBoiled, /, *, session: Any, settings: Settings) -> None:
        seen.append(("pour", event.litres, session, settings.pending_sla_s))

    def whistle(event: KettleBoiled, /, *, session: Any, settings: Settings) -> None:
        seen.append(("whistle", event.litres, session, settings.pending_sla_s))

    bus = MessageBus(settings=Settings.from_env({"APP_ENV": "testing", "PENDING_SLA_S": "42"}))
    bus.subscribe({KettleBoiled: (pour,)})
    bus.subscribe({KettleBoiled: (whistle, pour)})  # pour is already there: not twice
    session = object()
    bus.publish(KettleBoiled(litres=1.5), session=session)  # type: ignore[arg-type]
    assert seen == [("pour", 1.5, session, 42), ("whistle", 1.5, session, 42)]


def test_an_event_nobody_reacts_to_changes_nothing_and_other_types_do_not_trigger() -> None:
    calls: list[str] = []

    def on_door(event: DoorOpened, /, *, session: Any, settings: Settings) -> None:
        calls.append(event.who)

    bus = MessageBus(settings=Settings.from_env({"APP_ENV": "testing"}))
    bus.subscribe({DoorOpened: (on_door,)})
    bus.publish(KettleBoiled(litres=0.5), session=None)  # type: ignore[arg-type]
    assert calls == []
    bus.publish(DoorOpened(who="team"), session=None)  # type: ignore[arg-type]
    assert calls == ["team"]


def test_the_app_wires_every_reaction_to_an_assignment_in_order() -> None:
    """What happens when a unit is assigned, readable from one place: the text, then the timers."""
    bus = MessageBus(settings=Settings.from_env({"APP_ENV": "testing"}))
    for table in EVENT_HANDLER_TABLES:
        bus.subscribe(table)
    assert bus.handlers_for(UnitAssigned) == [text_dispatch, on_unit_assigned]
    assert bus.handlers_for(IncidentMoved) == [text_stand_down, on_incident_moved]
