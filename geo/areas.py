"""Service areas: named polygons (SERVICE_AREAS, a GeoJSON file) that give an incident its `area`.

Each feature is a Polygon or MultiPolygon with properties `name` (str) and `rural` (bool). An
incident's area is the name of the first polygon, in file order, that holds its point (a point on
the boundary counts as inside); no polygon, or no SERVICE_AREAS at all: `None`. Rural areas get the
rural arrival target in the reports (DOMAIN "Priorities and targets").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep


class AreasFileError(ValueError):
    """SERVICE_AREAS names a file that is missing or is not the GeoJSON this module reads."""


@dataclass(frozen=True, slots=True)
class Area:
    name: str
    rural: bool
    geometry: BaseGeometry
    prepared: PreparedGeometry


@dataclass(frozen=True, slots=True)
class ServiceAreas:
    areas: tuple[Area, ...] = ()

    def find(self, lat: float | None, lon: float | None) -> Area | None:
        if lat is None or lon is None:
            return None
        point = Point(lon, lat)  # GeoJSON order: longitude first
        for area in self.areas:
            if area.prepared.covers(point):
                return area
        return None

    def area_of(self, lat: float | None, lon: float | None) -> str | None:
        found = self.find(lat, lon)
        return None if found is None else found.name

    def is_rural(self, name: str | None) -> bool:
        return any(area.rural for area in self.areas if area.name == name)

    @property
    def names(self) -> list[str]:
        return [area.name for area in self.areas]


NO_AREAS = ServiceAreas()


def parse_areas(document: Any, *, source: str = "SERVICE_AREAS") -> ServiceAreas:
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise AreasFileError(f"{source}: expected a GeoJSON FeatureCollection")
    areas: list[Area] = []
    for number, feature in enumerate(document.get("features") or [], start=1):
        properties = (feature or {}).get("properties") or {}
        name = properties.get("name")
        rural = properties.get("rural", False)
        if not isinstance(name, str) or not name.strip():
            raise AreasFileError(f"{source}: feature {number} has no name")
        if not isinstance(rural, bool):
            raise AreasFileError(f"{source}: feature {number} ({name}): rural must be true or false")
        geometry_doc = feature.get("geometry") or {}
        if geometry_doc.get("type") not in ("Polygon", "MultiPolygon"):
            raise AreasFileError(f"{source}: feature {number} ({name}) is not a Polygon or MultiPolygon")
        try:
            geometry = shape(geometry_doc)
        except (ValueError, TypeError, KeyError, IndexError) as error:
            raise AreasFileError(f"{source}: feature {number} ({name}): {error}") from None
        if geometry.is_empty or not geometry.is_valid:
            raise AreasFileError(f"{source}: feature {number} ({name}) is not a valid polygon")
        areas.append(Area(name=name.strip(), rural=rural, geometry=geometry, prepared=prep(geometry)))
    return ServiceAreas(tuple(areas))


def load_areas(path: Path | str | None) -> ServiceAreas:
    """The areas of the file at `path`; `None` (the setting unset): no areas."""
    if path is None or str(path) == "":
        return NO_AREAS
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AreasFileError(f"SERVICE_AREAS: no file at {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AreasFileError(f"SERVICE_AREAS: {path} is not readable GeoJSON ({error})") from None
    return parse_areas(document, source=f"SERVICE_AREAS ({path})")
