"""Distances and travel-time estimates between WGS84 points.

Points are ``(lat, lon)`` tuples in decimal degrees; distances are metres; times are seconds.

The travel-time model (:class:`StraightLineRouter`) needs no road data:

    road distance = straight-line distance x circuity factor (default 1.3: road distances in
    built-up areas run 1.2-1.4 x the straight line)

and the time to drive it follows the shape Kolesar and Walker fitted to New York fire-company
runs (RAND R-1449, 1975): the vehicle speeds up at a constant rate to a cruise speed and slows
down the same way, so

    t = 2 * sqrt(d / a)           for d <= d_c = v_c**2 / a   (never reaches cruise speed)
    t = v_c / a + d / v_c         for d >  d_c                 (reaches it; linear from here)

The two pieces meet at d_c with the same slope, and the mean speed d / t grows with distance
towards v_c. Defaults are for an urban/suburban area driven without lights and siren (mobile
crisis teams drive with traffic): cruise 35 mph (15.6 m/s) and an effective acceleration of
0.2 m/s^2 (it folds in junctions and lights, so it is far below what a car can do). That gives
d_c ~1.2 km of road, about 2.7 min for 1 km and 8 min for 5 km of straight line. Turnout (the
time before the team starts to drive) is 0 by default: DOMAIN.md measures it apart from travel.
Rural deployments should raise the cruise speed or configure a routing engine (geo.osrm).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from geopy.distance import geodesic

log = logging.getLogger(__name__)

LatLon = tuple[float, float]

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), the usual haversine radius
MPH = 0.44704  # metres per second in one mile per hour


# One reusable geopy measure: building a geodesic Distance object per pair costs ~50 % more.
_WGS84 = geodesic()


def geodesic_m(a: LatLon, b: LatLon) -> float:
    """Distance in metres on the WGS84 ellipsoid (geopy's Karney geodesic): exact, ~40 us."""
    return float(_WGS84.measure(a, b)) * 1000.0


def haversine_m(a: LatLon, b: LatLon) -> float:
    """Great-circle distance in metres on a sphere: within ~0.5 % of geodesic, ~50x faster."""
    lat1, lon1 = math.radians(a[0]), math.radians(a[1])
    lat2, lon2 = math.radians(b[0]), math.radians(b[1])
    return haversine_rad_m(lat1, lon1, lat2, lon2)


def haversine_rad_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine with arguments already in radians (for loops that precompute them)."""
    h = math.sin((lat2 - lat1) * 0.5) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) * 0.5) ** 2
    return 2.0 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class BoundingBox:
    """A lat/lon box; every point within ``radius_m`` (haversine) of its centre lies inside."""

    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon


def bounding_box(center: LatLon, radius_m: float) -> BoundingBox:
    """The smallest lat/lon box holding the circle of ``radius_m`` around ``center``.

    Near a pole, or when the circle crosses the antimeridian, the box widens to every longitude
    (always correct, only less selective).
    """
    lat, lon = math.radians(center[0]), math.radians(center[1])
    angle = radius_m / EARTH_RADIUS_M
    min_lat, max_lat = lat - angle, lat + angle
    if min_lat <= -math.pi / 2 or max_lat >= math.pi / 2:
        return BoundingBox(
            math.degrees(max(min_lat, -math.pi / 2)),
            -180.0,
            math.degrees(min(max_lat, math.pi / 2)),
            180.0,
        )
    # The meridians tangent to the circle (not the longitude span at the centre's latitude).
    ratio = math.sin(angle) / math.cos(lat)
    delta_lon = math.asin(ratio) if ratio < 1.0 else math.pi
    min_lon, max_lon = lon - delta_lon, lon + delta_lon
    if min_lon < -math.pi or max_lon > math.pi:
        return BoundingBox(math.degrees(min_lat), -180.0, math.degrees(max_lat), 180.0)
    return BoundingBox(
        math.degrees(min_lat),
        math.degrees(min_lon),
        math.degrees(max_lat),
        math.degrees(max_lon),
    )


class Router(Protocol):
    """Anything that can give travel times from origins to destinations.

    ``table`` answers one row per origin, one column per destination, in seconds; ``None`` where
    no route is known. A router never raises to the dispatcher: it falls back or answers None.
    """

    def table(self, origins: Sequence[LatLon], destinations: Sequence[LatLon]) -> list[list[float | None]]: ...


@dataclass(frozen=True, slots=True)
class StraightLineRouter:
    """Travel time from straight-line distance, circuity and an accelerate-to-cruise profile."""

    circuity: float = 1.3
    cruise_speed_mps: float = 35 * MPH
    acceleration_mps2: float = 0.2
    turnout_s: float = 0.0

    def __post_init__(self) -> None:
        if self.circuity < 1.0 or self.cruise_speed_mps <= 0 or self.acceleration_mps2 <= 0:
            raise ValueError("circuity >= 1, cruise speed > 0 and acceleration > 0 are required")
        if self.turnout_s < 0:
            raise ValueError("turnout cannot be negative")

    @property
    def critical_road_m(self) -> float:
        """Road distance beyond which the vehicle reaches cruise speed."""
        return self.cruise_speed_mps**2 / self.acceleration_mps2

    def seconds_for_straight_m(self, straight_m: float) -> float:
        """Travel time for a straight-line distance in metres (the model's core)."""
        road_m = max(0.0, straight_m) * self.circuity
        v, a = self.cruise_speed_mps, self.acceleration_mps2
        if road_m <= v * v / a:
            return self.turnout_s + 2.0 * math.sqrt(road_m / a)
        return self.turnout_s + v / a + road_m / v

    def straight_m_for_seconds(self, seconds: float) -> float:
        """The inverse: how far (straight line) the model goes in ``seconds``."""
        t = seconds - self.turnout_s
        if t <= 0:
            return 0.0
        v, a = self.cruise_speed_mps, self.acceleration_mps2
        road_m = a * t * t / 4.0 if t <= 2.0 * v / a else (t - v / a) * v
        return road_m / self.circuity

    def eta_seconds(self, origin: LatLon, destination: LatLon) -> float:
        return self.seconds_for_straight_m(haversine_m(origin, destination))

    def table(self, origins: Sequence[LatLon], destinations: Sequence[LatLon]) -> list[list[float | None]]:
        return [[self.eta_seconds(o, d) for d in destinations] for o in origins]
