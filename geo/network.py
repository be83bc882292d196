"""Geocoding in tiers: local address points first, then a cache, then a geopy network service.

`build_geocoder("nominatim", user_agent=..., cache=..., local=...)` gives a `ChainGeocoder` whose
`geocode_address(text)` always answers a `GeocodeAnswer`: a crisis call is never refused for its
address, so a service error or a time-out is an unresolved answer, never an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service
from geopy.location import Location

from geo.local import LocalGeocoder
from geo.normalize import normalize_query_key

log = logging.getLogger(__name__)

# Below this a network answer (a town centre, a whole street) is not a place to send a team.
MIN_NETWORK_CONFIDENCE = 0.5


@dataclass(frozen=True, slots=True)
class GeocodeAnswer:
    """Where a typed address is. Unresolved answers keep the text and have no coordinates."""

    address: str
    lat: float | None
    lon: float | None
    confidence: float
    # "local" (an address point), "intersection", "intersection_near", "interpolated", "cache"
    # or the service name ("nominatim", ...)
    source: str
    resolved: bool
    approximate: bool = False  # not an address point: a corner that almost meets, an interpolation

    @classmethod
    def unresolved(cls, text: str, *, source: str) -> GeocodeAnswer:
        return cls(
            address=text,
            lat=None,
            lon=None,
            confidence=0.0,
            source=source,
            resolved=False,
        )


class GeocodeCache(Protocol):
    """Where network answers are kept (the application keeps them in its database)."""

    def get(self, query: str) -> GeocodeAnswer | None:
        """The answer stored for a query key, or None when there is none."""

    def put(self, query: str, result: GeocodeAnswer) -> None:
        """Store the answer for a query key (unresolved answers too: the service said no)."""


class MemoryGeocodeCache:
    """A GeocodeCache in a dict, for tests and single-process runs."""

    def __init__(self) -> None:
        self.answers: dict[str, GeocodeAnswer] = {}

    def get(self, query: str) -> GeocodeAnswer | None:
        return self.answers.get(query)

    def put(self, query: str, result: GeocodeAnswer) -> None:
        self.answers[query] = result


_NOMINATIM_PRECISE = {
    "house",
    "building",
    "residential",
    "apartments",
    "detached",
    "address",
}
_GOOGLE_LOCATION_TYPES = {
    "ROOFTOP": 0.9,
    "RANGE_INTERPOLATED": 0.8,
    "GEOMETRIC_CENTER": 0.6,
    "APPROXIMATE": 0.3,
}


def service_confidence(service: str, raw: Mapping[str, Any]) -> float:
    """A 0..1 confidence from what each service says about its own answer."""
    if service == "arcgis":
        return max(0.0, min(1.0, float(raw.get("score", 70)) / 100)) * 0.95
    if service in ("google", "googlev3"):
        location_type = raw.get("geometry", {}).get("location_type", "")
        return _GOOGLE_LOCATION_TYPES.get(location_type, 0.5)
    if service == "nominatim":
        kinds = {raw.get("type"), raw.get("addresstype"), raw.get("class")}
        if kinds & _NOMINATIM_PRECISE:
            return 0.9
        return 0.5 if raw.get("class") == "highway" else 0.3
    if service == "photon":
        kind = raw.get("properties", {}).get("type", "")
        return {"house": 0.9, "street": 0.5}.get(kind, 0.3)
    return 0.7


class ChainGeocoder:
    """Local points, then the cache, then the network service; first good answer wins."""

    def __init__(
        self,
        *,
        local: LocalGeocoder | None = None,
        cache: GeocodeCache | None = None,
        network: Callable[..., Any] | None = None,
        service: str = "local",
        geocode_options: Mapping[str, Any] | None = None,
        min_network_confidence: float = MIN_NETWORK_CONFIDENCE,
    ) -> None:
        self.local = local
        self.cache = cache
        self.network = network
        self.service = service
        self.geocode_options = dict(geocode_options or {})
        self.min_network_confidence = min_network_confidence

    def geocode_address(self, text: str) -> GeocodeAnswer:
        """Where `text` is; an unresolved answer (never an exception) when nobody knows."""
        source = "local"
        if not text or not text.strip():
            return GeocodeAnswer.unresolved(text, source=source)
        if self.local is not None:
            found = self.local.find(text)
            if isinstance(found, Location):
                return GeocodeAnswer(
                    address=found.address,
                    lat=found.latitude,
                    lon=found.longitude,
                    confidence=float(found.raw["confidence"]),
                    source=str(found.raw.get("source", "local")),
                    resolved=True,
                    approximate=bool(found.raw.get("approximate", False)),
                )
        if self.network is None:
            return GeocodeAnswer.unresolved(text, source=source)
        key = normalize_query_key(text)
        if self.cache is not None:
            cached = self.cache.get(key)
            if cached is not None:
                return GeocodeAnswer(
                    address=cached.address if cached.resolved else text,
                    lat=cached.lat,
                    lon=cached.lon,
                    confidence=cached.confidence,
                    source="cache",
                    resolved=cached.resolved,
                    approximate=cached.approximate,
                )
        answer = self._ask_network(text)
        if answer is None:
            return GeocodeAnswer.unresolved(text, source=self.service)
        if self.cache is not None:
            self.cache.put(key, answer)
        return answer

    def _ask_network(self, text: str) -> GeocodeAnswer | None:
        """The service's answer, or None when it could not be asked (not to be cached)."""
        assert self.network is not None
        try:
            found = self.network(text, exactly_one=True, **self.geocode_options)
        except GeopyError as error:
            log.warning("geocoding service %s failed: %s", self.service, type(error).__name__)
            return None
        except Exception:  # a crisis call is never refused for its address
            log.exception("geocoding service %s raised unexpectedly", self.service)
            return None
        if not isinstance(found, Location) or found.latitude is None:
            return GeocodeAnswer.unresolved(text, source=self.service)
        confidence = service_confidence(self.service, found.raw or {})
        if confidence < self.min_network_confidence:
            return GeocodeAnswer.unresolved(text, source=self.service)
        return GeocodeAnswer(
            address=found.address or text,
            lat=found.latitude,
            lon=found.longitude,
            confidence=round(confidence, 3),
            source=self.service,
            resolved=True,
        )

    def reverse_position(self, lat: float, lon: float) -> GeocodeAnswer:
        """The nearest local address point to a clicked or reported position."""
        found = self.local.reverse((lat, lon)) if self.local is not None else None
        if not isinstance(found, Location):
            return GeocodeAnswer(
                address=f"{lat:.6f}, {lon:.6f}",
                lat=lat,
                lon=lon,
                confidence=0.0,
                source="local",
                resolved=True,  # the position itself is known; only the address is not
            )
        return GeocodeAnswer(
            address=found.address,
            lat=lat,
            lon=lon,
            confidence=1.0,
            source="local",
            resolved=True,
        )


def build_geocoder(
    name: str,
    *,
    user_agent: str,
    cache: GeocodeCache | None = None,
    local: LocalGeocoder | None = None,
    min_delay_seconds: float = 1.0,
    max_retries: int = 2,
    error_wait_seconds: float = 5.0,
    timeout: float = 5.0,
    geocode_options: Mapping[str, Any] | None = None,
    **service_options: Any,
) -> ChainGeocoder:
    """A chain for the `GEOCODER` setting: "local", or a geopy service name.

    `service_options` go to the geopy class (e.g. `api_key=` for google, `domain=` for a
    self-hosted Nominatim, `adapter_factory=` in tests); `geocode_options` to each geocode call
    (e.g. `country_codes="us"`). Requests are spaced by `min_delay_seconds` (Nominatim's policy
    is one a second) and retried `max_retries` times on service errors.
    Raises geopy.exc.GeocoderNotFound for an unknown name, ConfigurationError for bad settings.
    """
    service = name.strip().lower()
    if service == "local":
        return ChainGeocoder(local=local, cache=cache, service="local")
    geocoder_class = get_geocoder_for_service(service)
    geocoder = geocoder_class(user_agent=user_agent, timeout=timeout, **service_options)
    network = RateLimiter(
        geocoder.geocode,
        min_delay_seconds=min_delay_seconds,
        max_retries=max_retries,
        error_wait_seconds=max(error_wait_seconds, min_delay_seconds),
        swallow_exceptions=False,
    )
    log.info(
        "geocoder chain: local=%s cache=%s service=%s",
        local is not None,
        cache is not None,
        service,
    )
    return ChainGeocoder(
        local=local,
        cache=cache,
        network=network,
        service=service,
        geocode_options=geocode_options,
    )
