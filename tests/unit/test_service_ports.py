"""Dispatch and call-intake services with no Flask app: a plain SQLAlchemy session and fakes for the geocoder,
the router and the clock, handed in as keyword arguments (core.ports wires the real ones)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

import alerts.models  # noqa: F401 (every table of the schema, for create_all)
import core.models  # noqa: F401
import geo.models  # noqa: F401
import timers.models  # noqa: F401
import triage.models  # noqa: F401
from config import Settings
from core.actors import Actor
from core.app import EVENT_HANDLER_TABLES
from core.bus import MessageBus
from core.db import Base, configure_engine
from core.errors import DomainError
from dispatch.events import IncidentOpened
from dispatch.models import Incident, Unit
from dispatch.service import recommend_units, set_incident_location
from geo.service import LocatedAddress
from geo.travel import LatLon
from tests.support.triage_factories import HIGH
from timers.models import Timer
from triage.events import CallLogged
from triage.schemas import CallIn
from triage.service import load_catalogue, take_call

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PEARL_ST = (44.4794, -73.2140)


class FakeLocator:
    """Knows one address; records whether the session had a transaction open when asked."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.asked_in_transaction: list[bool] = []

    def locate(self, *, address: str | None, lat: float | None, lon: float | None) -> LocatedAddress:
        self.asked_in_transaction.append(self.session.in_transaction())
        if address == "12 Pearl St":
            return LocatedAddress(
                address="12 Pearl Street, Burlington",
                lat=PEARL_ST[0],
                lon=PEARL_ST[1],
                source="fake",
                resolved=True,
                confidence=0.9,
            )
        return LocatedAddress(address=address, lat=None, lon=None, source="fake", resolved=False, confidence=0.0)


class FakeRouter:
    """Drive times by origin (every destination alike), as a road network might say them."""

    def __init__(self, seconds_from: dict[LatLon, float]) -> None:
        self.seconds_from = seconds_from
        self.asked: list[tuple[list[LatLon], list[LatLon]]] = []

    def table(self, origins: Sequence[LatLon], destinations: Sequence[LatLon]) -> list[list[float | None]]:
        self.asked.append((list(origins), list(destinations)))
        return [[self.seconds_from[o] for _ in destinations] for o in origins]


@pytest.fixture
def session() -> Iterator[Session]:
    assert not has_app_context()
    engine = sa.create_engine("sqlite://", poolclass=StaticPool)
    configure_engine(engine)
    Base.metadata.create_all(engine)
    with Session(engine) as plain:
        yield plain
    engine.dispose()


def unit(session: Session, call_sign: str, position: LatLon, *, fix_age: timedelta) -> Unit:
    row = Unit(
        call_sign=call_sign,
        phones=[],
        languages=["en"],
        youth=False,
        status="available",
        home_lat=44.4757,
        home_lon=-73.2195,
        lat=position[0],
        lon=position[1],
        location_at=NOON - fix_age,
    )
    session.add(row)
    return row


def test_a_place_found_by_the_geocoder_is_ranked_by_the_router_at_the_clocks_time(session: Session) -> None:
    incident = Incident(number="I-2026-000001", status="pending", priority="urgent", address="12 Pearl St")
    near = unit(session, "NEAR", (44.4800, -73.2150), fix_age=timedelta(minutes=2))
    across = unit(session, "ACROSS", (44.4700, -73.2000), fix_age=timedelta(minutes=2))
    unit(session, "STALE", (44.4795, -73.2141), fix_age=timedelta(hours=2))  # at the door, 2 h ago
    session.add(incident)
    session.commit()
    locator = FakeLocator(session)

    placed = set_incident_location(
        session=session,
        incident_id=incident.id,
        address="12 Pearl St",
        lat=None,
        lon=None,
        by=Actor.system("test"),
        locator=locator,
    )
    session.commit()

    assert locator.asked_in_transaction == [False]  # looked up holding no transaction
    assert (placed.lat, placed.lon, placed.location_source, placed.location_resolved) == (
        44.4794,
        -73.2140,
        "fake",
        True,
    )
    # The river is between NEAR and the incident: the road network says ACROSS is faster.
    router = FakeRouter({(near.lat, near.lon): 600.0, (across.lat, across.lon): 240.0, (44.4757, -73.2195): 900.0})
    ranked = recommend_units(
        session=session, incident_id=incident.id, router=router, clock=lambda: NOON, stale_after_s=900
    )
    # STALE's fix is two hours old at the clock's NOON: it is timed from its home base.
    assert [(r.call_sign, r.eta_seconds, r.location_stale) for r in ranked] == [
        ("ACROSS", 240, False),
        ("NEAR", 600, False),
        ("STALE", 900, True),
    ]
    assert all(r.eta_by_road for r in ranked) and router.asked[0][1] == [PEARL_ST]


def test_an_address_the_geocoder_cannot_place_changes_nothing(session: Session) -> None:
    incident = Incident(number="I-2026-000002", status="pending", priority="urgent", address="somewhere")
    session.add(incident)
    session.commit()
    with pytest.raises(DomainError, match="No place found"):
        set_incident_location(
            session=session,
            incident_id=incident.id,
            address="behind the old mill",
            lat=None,
            lon=None,
            by=Actor.system("test"),
            locator=FakeLocator(session),
        )
    session.rollback()
    again = session.get(Incident, incident.id)
    assert again is not None and (again.location_resolved, again.lat) == (False, None)


def test_call_intake_runs_with_no_app_and_its_reactions_follow_from_the_bus(session: Session) -> None:
    """A high-risk call: saved with the clock's time and the geocoder's place, an emergent incident
    opened, and the reactions of the real handler tables (the pending-SLA timer) in the same session."""
    settings = Settings.from_env({"APP_ENV": "testing", "PENDING_SLA_S": "240"})
    bus = MessageBus(settings=settings)
    for table in EVENT_HANDLER_TABLES:
        bus.subscribe(table)
    published: list[str] = []
    bus.subscribe(
        {
            CallLogged: (lambda event, /, *, session, settings: published.append(f"call {event.call.number}"),),
            IncidentOpened: (lambda event, /, *, session, settings: published.append("incident"),),
        }
    )
    locator = FakeLocator(session)
    payload = CallIn.model_validate({"answers": HIGH, "location": {"address": "12 Pearl St"}})

    call, incident, created, _ = take_call(
        session=session,
        payload=payload,
        by=None,
        idempotency_key=None,
        catalogue=load_catalogue(),
        locator=locator,
        clock=lambda: NOON,
        bus=bus,
    )
    session.commit()

    assert created and call.received_at.replace(tzinfo=UTC) == NOON
    assert (call.lat, call.lon, call.location_resolved) == (PEARL_ST[0], PEARL_ST[1], True)
    assert locator.asked_in_transaction == [False]
    assert incident is not None and (incident.status, incident.priority) == ("pending", "emergent")
    assert published == ["incident", f"call {call.number}"]
    [timer] = session.scalars(sa.select(Timer).where(Timer.incident_id == incident.id)).all()
    assert timer.kind == "pending_sla"
