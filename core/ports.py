"""The outside world the services talk to, one set per app: where an address is (the geocoder
chain), how long a drive takes (the router), what time it is (the clock) and which service area
holds a point (the SERVICE_AREAS polygons).

`create_app` builds them once (`build_ports`) into `app.extensions`; views and handlers hand them
to the services as keyword arguments (`locator=`, `router=`, `clock=`), so a service runs with
fakes and no app (tests/unit/test_service_ports.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy.engine import Engine

from core.clock import Clock
from core.clock import now as clock_now
from dispatch.service import build_router
from geo.areas import NO_AREAS, ServiceAreas
from geo.service import GeocodingLocator
from geo.travel import Router

EXTENSION = "ports"


@dataclass(frozen=True, slots=True)
class Ports:
    locator: GeocodingLocator
    router: Router
    clock: Clock
    areas: ServiceAreas = NO_AREAS


def build_ports(
    *,
    engine: Engine,
    geocoder: str,
    geocoder_user_agent: str,
    router_url: str | None,
    areas: ServiceAreas = NO_AREAS,
) -> Ports:
    return Ports(
        locator=GeocodingLocator(engine=engine, geocoder=geocoder, user_agent=geocoder_user_agent),
        router=build_router(router_url),
        clock=clock_now,  # core.clock's clock, which tests move with set_clock
        areas=areas,
    )


def ports_of(app: Flask) -> Ports:
    found: Ports = app.extensions[EXTENSION]
    return found


def current_ports() -> Ports:
    """The ports of the app handling this request (for views and handlers, not services)."""
    return ports_of(current_app)
