"""Where a call is: one interface over the configured geocoder chain (local points first)."""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from geo.local import AddressPoint, LocalGeocoder
from geo.models import AddressPointRow, GeocodeCacheEntry
from geo.network import ChainGeocoder, GeocodeAnswer, build_geocoder
from geo.normalize import normalize_query_key

log = logging.getLogger(__name__)
_lock = threading.Lock()


@dataclass(frozen=True)
class LocatedAddress:
    address: str | None
    lat: float | None
    lon: float | None
    source: str | None  # "typed" (coordinates given), "local", "cache", a service name, or None
    resolved: bool
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "lat": self.lat,
            "lon": self.lon,
            "source": self.source,
            "resolved": self.resolved,
        }


class DatabaseGeocodeCache:
    """Network answers kept in the database, so a restart or another process asks no twice."""

    def __init__(self, session: Any):
        self.session = session

    def get(self, query: str) -> GeocodeAnswer | None:
        row = self.session.get(GeocodeCacheEntry, normalize_query_key(query)[:300])
        return GeocodeAnswer(**row.answer) if row is not None else None

    def put(self, query: str, result: GeocodeAnswer) -> None:
        key = normalize_query_key(query)[:300]
        if self.session.get(GeocodeCacheEntry, key) is None:
            self.session.add(GeocodeCacheEntry(query_key=key, answer=asdict(result)))


def local_geocoder(session: Any) -> LocalGeocoder:
    """The address points of this database, indexed once per process (rebuilt after an import)."""
    extensions = current_app.extensions
    with _lock:
        geocoder = extensions.get("local_geocoder")
        if geocoder is None:
            rows = session.execute(
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
            geocoder = LocalGeocoder([AddressPoint(*row) for row in rows])
            extensions["local_geocoder"] = geocoder
            log.info("local geocoder indexed %d address points", len(rows))
        return geocoder  # type: ignore[no-any-return]


def forget_local_geocoder() -> None:
    current_app.extensions.pop("local_geocoder", None)


def geocoder_chain(session: Any) -> ChainGeocoder:
    """The chain for this request: this process's network geocoder (built once, so its rate
    limiter spaces requests across all calls, as Nominatim's policy asks), the local points, and
    the database cache in this request's session."""
    config = current_app.config
    with _lock:
        service = current_app.extensions.get("network_geocoder")
        if service is None:
            service = build_geocoder(config["GEOCODER"], user_agent=config["GEOCODER_USER_AGENT"])
            current_app.extensions["network_geocoder"] = service
    return ChainGeocoder(
        local=local_geocoder(session),
        cache=DatabaseGeocodeCache(session),
        network=service.network,
        service=service.service,
        geocode_options=service.geocode_options,
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


def locate(*, session: Any, address: str | None, lat: float | None, lon: float | None) -> LocatedAddress:
    """Coordinates given win (typed or clicked on a map); otherwise the address is geocoded.
    Never raises for a bad or unknown address: the answer is then unresolved."""
    address = (address or "").strip() or None
    if valid_position(lat, lon):
        return LocatedAddress(address=address, lat=lat, lon=lon, source="typed", resolved=True, confidence=1.0)
    if address is None:
        return LocatedAddress(address=None, lat=None, lon=None, source=None, resolved=False, confidence=0.0)
    try:
        answer = geocoder_chain(session).geocode_address(address)
    except Exception:
        log.exception("geocoding failed; the address is kept unresolved")
        return LocatedAddress(address=address, lat=None, lon=None, source=None, resolved=False, confidence=0.0)
    if not answer.resolved:
        return LocatedAddress(address=address, lat=None, lon=None, source=answer.source, resolved=False, confidence=0.0)
    return LocatedAddress(
        address=answer.address or address,
        lat=answer.lat,
        lon=answer.lon,
        source=answer.source,
        resolved=True,
        confidence=answer.confidence,
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
