"""Texts to the team that follow from dispatch events (see core/bus.py).

The dispatch text when a unit is assigned; a stand-down text when its incident is cancelled or
taken from it by someone other than the team itself. Both are outbox rows in the change's own
transaction, sent by the SMS relay after the commit.
"""

from __future__ import annotations

from typing import Any

from config import Settings
from core.actors import Actor
from core.bus import HandlerTable
from dispatch.events import IncidentMoved, UnitAssigned
from dispatch.models import Unit
from dispatch.states import IncidentStatus
from notifications.outbox import page_unit

# Moves that take an incident from a unit that was still on its way to it.
_TAKEN_FROM = frozenset({IncidentStatus.DISPATCHED, IncidentStatus.ACKNOWLEDGED, IncidentStatus.EN_ROUTE})


def text_dispatch(event: UnitAssigned, /, *, session: Any, settings: Settings) -> None:
    page_unit(session=session, unit=event.unit, incident=event.incident, kind="dispatch", settings=settings)


def _by_the_unit_itself(by: Actor, unit: Unit) -> bool:
    return by.name in {f"sms:{unit.call_sign}", f"field:{unit.call_sign}"}


def text_stand_down(event: IncidentMoved, /, *, session: Any, settings: Settings) -> None:
    unit = event.unit
    if unit is None or event.from_status is IncidentStatus.PENDING:
        return
    taken_away = event.to_status is IncidentStatus.PENDING and event.from_status in _TAKEN_FROM
    if event.to_status is IncidentStatus.CANCELLED or (taken_away and not _by_the_unit_itself(event.by, unit)):
        page_unit(session=session, unit=unit, incident=event.incident, kind="stand_down", settings=settings)


# What the SMS area does when dispatch changes (subscribed to the app's bus by core.app.create_app).
EVENT_HANDLERS: HandlerTable = {
    UnitAssigned: (text_dispatch,),
    IncidentMoved: (text_stand_down,),
}
