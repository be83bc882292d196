"""Where a call is: one interface over the configured geocoder chain (local points first)."""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from core.db import read_only
from geo.local import AddressPoint, LocalGeocoder
from geo.models import AddressPointRow, GeocodeCacheEntry
from geo.network import ChainGeocoder, GeocodeAnswer, build_geocoder
from geo.normalize import normalize_query_key
from geo.streets import IntersectionIndex, load_intersections

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocatedAddress:
    address: str | None
    lat: float | None
    lon: float | None
    # "typed" (coordinates given), "local" (an address point), "intersection", "intersection_near",
    # "interpolated", "cache", a service name, or None
    source: str | None
    resolved: bool
    confidence: float
    approximate: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "lat": self.lat,
            "lon": self.lon,
            "source": self.source,
            "resolved": self.resolved,
            "approximate": self.approximate,
        }


# Where a stored location came from says whether it is only approximate (no column of its own).
APPROXIMATE_SOURCES = frozenset({"intersection_near", "interpolated"})


def is_approximate(source: str | None) -> bool:
    """Whether a location of this `source` is near the place rather than at it: a corner of two
    streets that almost meet, or a house number placed between its neighbours."""
    return source in APPROXIMATE_SOURCES


class Locator(Protocol):
    """Where a call or an incident is, from the words and the point given (the geocoding port)."""

    def locate(self, *, address: str | None, lat: float | None, lon: float | None) -> LocatedAddress: ...


class DatabaseGeocodeCache:
    """Network answers kept in the database, so a restart or another process asks not twice.

    Reads go through a read-only connection; an answer is stored in a short transaction of its
    own, after the network has answered."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def get(self, query: str) -> GeocodeAnswer | None:
        key = normalize_query_key(query)[:300]
        with read_only(self.engine) as connection:
            answer = connection.scalar(sa.select(GeocodeCacheEntry.answer).where(GeocodeCacheEntry.query_key == key))
        return GeocodeAnswer(**answer) if answer is not None else None

    def put(self, query: str, result: GeocodeAnswer) -> None:
        key = normalize_query_key(query)[:300]
        try:
            with self.engine.begin() as connection:
                known = connection.scalar(
                    sa.select(GeocodeCacheEntry.query_key).where(GeocodeCacheEntry.query_key == key)
                )
                if known is None:
                    connection.execute(sa.insert(GeocodeCacheEntry).values(query_key=key, answer=asdict(result)))
        except IntegrityError:  # another process stored the same answer a moment ago
            log.info("geocode cache entry stored concurrently")


class GeocodingLocator:
    """The Locator of an app: the local address points, then the database cache, then the
    configured geopy service (`GEOCODER`), built once so that its rate limiter spaces requests
    across all calls, as Nominatim's policy asks.

    It never uses a caller's session: its reads go through read-only connections and the cache
    writes in a transaction of its own, so a caller that has ended its transaction (core.db
    `end_reads`) holds no connection and no SQLite writer lock while a network service is asked.
    Call it holding no write transaction: on SQLite its cache write would queue behind it."""

    def __init__(self, *, engine: Engine, geocoder: str, user_agent: str) -> None:
        self.engine = engine
        self.geocoder = geocoder
        self.user_agent = user_agent
        self._lock = threading.Lock()
        self._local: LocalGeocoder | None = None
        self._intersections: IntersectionIndex | None = None
        self._intersections_read = False
        self._service: ChainGeocoder | None = None

    def local_points(self) -> LocalGeocoder:
        """The address points of this database, indexed once (again after `forget_local_points`)."""
        with self._lock:
            if self._local is None:
                with read_only(self.engine) as connection:
                    rows = connection.execute(
                        sa.select(
                            AddressPointRow.number,
                            AddressPointRow.street,
                            AddressPointRow.unit,
                            AddressPointRow.city,
                            AddressPointRow.state,
                            AddressPointRow.postcode,
                            AddressPointRow.lat,
                            AddressPointRow.lon,
                        )
                    ).all()
                self._local = LocalGeocoder([AddressPoint(*row) for row in rows], intersections=self.intersections())
                log.info("local geocoder indexed %d address points", len(rows))
            return self._local

    def intersections(self) -> IntersectionIndex | None:
        """The street junctions (data/streets), read once; None without the file."""
        if not self._intersections_read:
            self._intersections = load_intersections()
            self._intersections_read = True
        return self._intersections

    def forget_local_points(self) -> None:
        """After an import: the next lookup indexes the points again."""
        with self._lock:
            self._local = None

    def chain(self) -> ChainGeocoder:
        with self._lock:
            if self._service is None:
                self._service = build_geocoder(self.geocoder, user_agent=self.user_agent)
            service = self._service
        return ChainGeocoder(
            local=self.local_points(),
            cache=DatabaseGeocodeCache(self.engine),
            network=service.network,
            service=service.service,
            geocode_options=service.geocode_options,
        )

    def locate(self, *, address: str | None, lat: float | None, lon: float | None) -> LocatedAddress:
        """Coordinates given win (typed or clicked on a map); otherwise the address is geocoded.
        Never raises for a bad or unknown address: the answer is then unresolved."""
        address = (address or "").strip() or None
        if valid_position(lat, lon):
            return LocatedAddress(address=address, lat=lat, lon=lon, source="typed", resolved=True, confidence=1.0)
        if address is None:
            return LocatedAddress(address=None, lat=None, lon=None, source=None, resolved=False, confidence=0.0)
        try:
            answer = self.chain().geocode_address(address)
        except Exception:
            log.exception("geocoding failed; the address is kept unresolved")
            return LocatedAddress(address=address, lat=None, lon=None, source=None, resolved=False, confidence=0.0)
        if not answer.resolved:
            return LocatedAddress(
                address=address, lat=None, lon=None, source=answer.source, resolved=False, confidence=0.0
            )
        return LocatedAddress(
            address=answer.address or address,
            lat=answer.lat,
            lon=answer.lon,
            source=answer.source,
            resolved=True,
            confidence=answer.confidence,
            approximate=answer.approximate,
        )


def valid_position(lat: float | None, lon: float | None) -> bool:
    return (
        lat is not None
        and lon is not None
        and math.isfinite(lat)
        and math.isfinite(lon)
        and -90 <= lat <= 90
        and -180 <= lon <= 180
    )


def import_address_points(*, session: Any, points: list[AddressPoint]) -> int:
    """Add the points not already present; returns how many were added."""
    existing = {
        (r.number, r.street, r.unit, r.city, r.state, round(r.lat, 7), round(r.lon, 7))
        for r in session.execute(
            sa.select(
                AddressPointRow.number,
                AddressPointRow.street,
                AddressPointRow.unit,
                AddressPointRow.city,
                AddressPointRow.state,
                AddressPointRow.lat,
                AddressPointRow.lon,
            )
        )
    }
    new = []
    for p in points:
        key = (p.number, p.street, p.unit, p.city, p.state, round(p.lat, 7), round(p.lon, 7))
        if key in existing:
            continue
        existing.add(key)
        new.append(
            {
                "number": p.number,
                "street": p.street,
                "unit": p.unit,
                "city": p.city,
                "state": p.state,
                "postcode": p.postcode,
                "lat": p.lat,
                "lon": p.lon,
            }
        )
    if new:
        session.execute(sa.insert(AddressPointRow), new)
    return len(new)
