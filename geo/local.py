"""The local geocoder: imported address points, answered from memory with no network.

Matching rules (a wrong house is worse than no answer):
- The house number must exist on the street that is answered. A near-miss number never matches
  another house.
- A number with a fraction or a letter ("6 1/2", "12A") that is not on file falls back to the
  plain number on the same street (confidence x 0.85, `fallback` "number", match "fuzzy"): a back
  building on the same lot. A plain number never answers a fractional or lettered one.
- A unit that is not on file falls back to the building (confidence x 0.95, `fallback` "unit").
- A street name that is not on file is matched to the closest name among the streets that have
  that house number (difflib ratio, or a few edits for the name's length; penalties for a
  different street type or directional; a misspelt type or directional is mended). A street that
  is on file without the typed number gives no answer (a wrong number, not a wrong street).
  Two equally good streets at different places (100 Union St: North or South?) give no answer.
  Below `min_confidence` (0.75) there is no answer.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import IO, Any

from geopy.adapters import BaseSyncAdapter
from geopy.exc import GeocoderServiceError
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location
from geopy.point import Point

from geo.normalize import (
    DIRECTIONALS,
    STREET_SUFFIXES,
    base_number,
    normalize_number,
    normalize_street,
    normalize_unit,
    parse_address,
    split_street,
    unit_value,
)

log = logging.getLogger(__name__)

CSV_COLUMNS = ("number", "street", "unit", "city", "state", "postcode", "lat", "lon")
EARTH_RADIUS_M = 6_371_008.8
UNIT_FALLBACK = 0.95
NUMBER_FALLBACK = 0.85
FUZZY_CEILING = 0.95  # a fuzzy street match never scores like an exact one
AMBIGUOUS_MARGIN = 0.02
AMBIGUOUS_DISTANCE_M = 150.0
GRID_DEG = 0.002


@dataclass(frozen=True, slots=True)
class AddressPoint:
    """One address point as imported: the names as written, WGS84 coordinates."""

    number: str
    street: str
    unit: str
    city: str
    state: str
    postcode: str
    lat: float
    lon: float


class AddressFileError(ValueError):
    """An address file that cannot be imported; `problems` lists (line, message)."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        lines = "; ".join(f"line {line}: {message}" for line, message in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(f"bad address file: {lines}{more}")


def _check_row(row: dict[str | None, Any]) -> tuple[AddressPoint | None, str]:
    if row.get(None):
        return None, "too many fields"
    if any(row.get(column) is None for column in CSV_COLUMNS):
        return None, "too few fields"
    values = {column: str(row[column]).strip() for column in CSV_COLUMNS}
    if not normalize_number(values["number"]):
        return None, f"house number {values['number']!r} is not a number"
    if not normalize_street(values["street"]):
        return None, "street is empty"
    try:
        lat, lon = float(values["lat"]), float(values["lon"])
    except ValueError:
        return None, f"lat/lon {values['lat']!r}, {values['lon']!r} are not numbers"
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None, f"lat/lon {lat}, {lon} out of range"
    text = {k: v for k, v in values.items() if k not in ("lat", "lon")}
    return AddressPoint(lat=lat, lon=lon, **text), ""


def read_address_csv(
    source: str | os.PathLike[str] | IO[str],
) -> Iterator[AddressPoint]:
    """Read an address file with columns number,street,unit,city,state,postcode,lat,lon.

    The whole file is checked before anything is returned: a bad file raises `AddressFileError`
    naming every bad line (1 is the header), so an import takes all of a file or none of it.
    """
    if isinstance(source, (str, os.PathLike)):
        with open(source, encoding="utf-8-sig", newline="") as handle:
            return read_address_csv(handle)
    reader = csv.DictReader(source)
    header = [name.lstrip("\ufeff").strip().lower() for name in reader.fieldnames or []]
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        raise AddressFileError(
            [
                (
                    1,
                    f"missing columns {', '.join(missing)}; expected {','.join(CSV_COLUMNS)}",
                )
            ]
        )
    reader.fieldnames = header
    points: list[AddressPoint] = []
    problems: list[tuple[int, str]] = []
    for row in reader:
        point, problem = _check_row(row)
        if point is None:
            problems.append((reader.line_num, problem))
        else:
            points.append(point)
    if problems:
        raise AddressFileError(problems)
    return iter(points)


class _NoNetworkAdapter(BaseSyncAdapter):  # type: ignore[misc]
    """The local geocoder makes no requests; geopy's base class still wants an adapter."""

    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        raise GeocoderServiceError("the local geocoder makes no network requests")

    def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
        raise GeocoderServiceError("the local geocoder makes no network requests")


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal string alignment distance (a transposition counts as one edit), capped at limit+1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def _closest_word(word: str, choices: dict[str, str]) -> str:
    if len(word) < 3 or word in choices.values():
        return word
    for choice, code in choices.items():
        if edit_distance(word, choice, 1) <= 1 or edit_distance(word, code, 1) <= 1 < len(code):
            return code
    return word


def repair_street_words(street: str) -> str:
    """Mend a misspelt directional or street type: "NRTH WILLARD RAOD" -> "N WILLARD RD"."""
    words = street.split()
    if len(words) >= 2:
        words[0] = _closest_word(words[0], DIRECTIONALS)
        words[-1] = _closest_word(words[-1], STREET_SUFFIXES)
    return " ".join(words)


def name_similarity(typed: str, name: str) -> float:
    """0..1: difflib's ratio, or 1 - 0.08 per edit when the edits are few for the length."""
    matcher = SequenceMatcher(None, typed, name, autojunk=False)
    if matcher.real_quick_ratio() < 0.5 or matcher.quick_ratio() < 0.5:
        return matcher.quick_ratio()  # an upper bound, and far too low to count
    ratio = matcher.ratio()
    allowed = 0 if len(name) < 4 else 1 if len(name) < 8 else 2
    if allowed and ratio >= 0.5:
        edits = edit_distance(typed, name, allowed)
        if edits <= allowed:
            return max(ratio, 1.0 - 0.08 * edits)
    return ratio


StreetParts = tuple[str, str, str]


def _similarity(query: StreetParts, candidate: StreetParts) -> float:
    q_dir, q_name, q_type = query
    c_dir, c_name, c_type = candidate
    score = name_similarity(q_name, c_name)
    if not q_type or not c_type:
        score -= 0.05 if q_type != c_type else 0.0
    elif q_type != c_type:
        score -= 0.15
    if q_dir != c_dir:
        score -= 0.4 if (q_dir and c_dir) else 0.1 if c_dir else 0.15
    return score


def _query_forms(query: str) -> list[tuple[StreetParts, float]]:
    """The typed street split into parts, and its mended form (a little less sure) if any."""
    forms = [(split_street(query), 0.0)]
    repaired = repair_street_words(query)
    if repaired != query:
        forms.append((split_street(repaired), 0.02))
    return forms


def street_similarity(query: str, candidate: str) -> float:
    """How alike two normalised street names are, 0..1 (1: the same name).

    A misspelt directional or street type in the query is mended when that makes it closer.
    """
    return _best_similarity(_query_forms(query), split_street(candidate))


def _best_similarity(forms: list[tuple[StreetParts, float]], candidate: StreetParts) -> float:
    score = max(_similarity(parts, candidate) - cost for parts, cost in forms)
    return max(0.0, min(1.0, score))


class LocalGeocoder(Geocoder):  # type: ignore[misc]
    """A geopy geocoder over imported address points (no network)."""

    def __init__(
        self,
        points: Iterable[AddressPoint],
        *,
        min_confidence: float = 0.75,
        reverse_max_m: float = 250.0,
        user_agent: str | None = "crisis-dispatch-local",
    ) -> None:
        super().__init__(user_agent=user_agent, adapter_factory=_NoNetworkAdapter)
        self.min_confidence = min_confidence
        self.reverse_max_m = reverse_max_m
        self._points: list[AddressPoint] = []
        self._by_address: dict[tuple[str, str], list[int]] = defaultdict(list)
        self._streets_by_number: dict[str, set[str]] = defaultdict(set)
        self._grid: dict[tuple[int, int], list[int]] = defaultdict(list)
        self._cities: dict[str, str] = {}
        self._states: set[str] = set()
        self._streets: set[str] = set()
        self._street_parts: dict[str, StreetParts] = {}
        street_cache: dict[str, str] = {}
        for index, point in enumerate(points):
            street = street_cache.get(point.street)
            if street is None:
                street = street_cache[point.street] = normalize_street(point.street)
            number = normalize_number(point.number)
            self._points.append(point)
            self._by_address[(street, number)].append(index)
            self._streets_by_number[number].add(street)
            if street not in self._streets:
                self._streets.add(street)
                self._street_parts[street] = split_street(street)
            self._grid[self._cell(point.lat, point.lon)].append(index)
            self._cities.setdefault(normalize_street(point.city), point.city)
            self._states.add(point.state.strip().upper())
        log.info("local geocoder indexed %d address points", len(self._points))

    def __len__(self) -> int:
        return len(self._points)

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / GRID_DEG), math.floor(lon / GRID_DEG)

    def geocode(
        self, query: str, *, exactly_one: bool = True, timeout: Any = DEFAULT_SENTINEL
    ) -> Location | list[Location] | None:
        """Geocode a typed address; None when it is not on file or too uncertain."""
        parsed = parse_address(str(query), cities=list(self._cities.values()))
        if not parsed.number or not parsed.street:
            return None
        if parsed.state and parsed.state not in self._states:
            return None
        if parsed.city and parsed.city not in self._cities:
            close = max(
                (SequenceMatcher(None, parsed.city, known).ratio() for known in self._cities),
                default=0.0,
            )
            if close < 0.8:
                return None  # another town: a street there is not this street here
        numbers = [(parsed.number, 1.0, "")]
        if base_number(parsed.number) != parsed.number:
            numbers.append((base_number(parsed.number), NUMBER_FALLBACK, "number"))
        # A street on file with the number not on it is a wrong number: no fuzzy street then.
        known_street = parsed.street in self._streets
        forms = [] if known_street else _query_forms(parsed.street)
        candidates: list[tuple[float, str, str, str, str]] = []
        for number, factor, fallback in numbers:
            if (parsed.street, number) in self._by_address:
                match = "fuzzy" if fallback else "exact"
                candidates.append((factor, match, fallback, parsed.street, number))
                continue
            if known_street:
                continue
            for street in self._streets_by_number.get(number, ()):
                similarity = _best_similarity(forms, self._street_parts[street])
                score = similarity * FUZZY_CEILING * factor
                candidates.append((score, "fuzzy", fallback, street, number))
        if not candidates:
            return None
        candidates.sort(key=lambda c: c[0], reverse=True)
        best = candidates[0]
        if best[0] < self.min_confidence:
            return None
        if best[1] == "fuzzy" and self._ambiguous(best, candidates[1:]):
            log.debug("ambiguous street for a typed address")
            return None
        score, match, fallback, street, number = best
        indexes = self._by_address[(street, number)]
        wanted = unit_value(parsed.unit)
        chosen = [i for i in indexes if wanted and unit_value(self._unit(i)) == wanted]
        if not chosen:
            chosen = [i for i in indexes if not self._points[i].unit.strip()] or indexes
            if wanted or self._points[chosen[0]].unit.strip():
                score *= UNIT_FALLBACK
                fallback = fallback or "unit"
        locations = [self._location(i, score, match, fallback) for i in chosen]
        return locations[0] if exactly_one else locations

    def _unit(self, index: int) -> str:
        return normalize_unit(self._points[index].unit)

    def _ambiguous(
        self,
        best: tuple[float, str, str, str, str],
        others: list[tuple[float, str, str, str, str]],
    ) -> bool:
        here = self._points[self._by_address[(best[3], best[4])][0]]
        for other in others:
            if best[0] - other[0] > AMBIGUOUS_MARGIN:
                return False
            there = self._points[self._by_address[(other[3], other[4])][0]]
            if _distance_m(here.lat, here.lon, there.lat, there.lon) > AMBIGUOUS_DISTANCE_M:
                return True
        return False

    def reverse(
        self, query: Any, *, exactly_one: bool = True, timeout: Any = DEFAULT_SENTINEL
    ) -> Location | list[Location] | None:
        """The nearest address point to a position (within `reverse_max_m`), or None.

        With exactly_one=False, up to 5 nearest points, nearest first.
        """
        point = Point(query)
        lat, lon = point.latitude, point.longitude
        row, col = self._cell(lat, lon)
        cell_m = GRID_DEG * 111_000 * max(0.1, math.cos(math.radians(lat)))
        rings = int(self.reverse_max_m / cell_m) + 2
        found: list[tuple[float, int]] = []
        for ring in range(rings):
            for i in range(row - ring, row + ring + 1):
                for j in range(col - ring, col + ring + 1):
                    if max(abs(i - row), abs(j - col)) != ring:
                        continue
                    for index in self._grid.get((i, j), ()):
                        p = self._points[index]
                        found.append((_distance_m(lat, lon, p.lat, p.lon), index))
            found.sort()
            wanted = 1 if exactly_one else 5
            # Every point not yet seen is at least `ring * cell_m` away.
            if len(found) >= wanted and found[wanted - 1][0] <= ring * cell_m:
                break
        nearest = [(d, i) for d, i in found if d <= self.reverse_max_m][: 1 if exactly_one else 5]
        if not nearest:
            return None
        locations = [self._location(i, 1.0, "exact", "", distance_m=round(d, 1)) for d, i in nearest]
        return locations[0] if exactly_one else locations

    def _location(self, index: int, confidence: float, match: str, fallback: str, **extra: Any) -> Location:
        p = self._points[index]
        line = " ".join(part for part in (p.number, p.street) if part)
        if p.unit:
            line += f" {p.unit}"
        place = " ".join(part for part in (p.state, p.postcode) if part)
        address = ", ".join(part for part in (line, p.city, place) if part)
        raw = {
            "number": p.number,
            "street": p.street,
            "unit": p.unit,
            "city": p.city,
            "state": p.state,
            "postcode": p.postcode,
            "confidence": round(confidence, 3),
            "match": match,
            "fallback": fallback or None,
            **extra,
        }
        return Location(address, (p.lat, p.lon), raw)


def geocoder_from_csv(path: str | os.PathLike[str], **options: Any) -> LocalGeocoder:
    """Build a local geocoder straight from an address file (tools and benchmarks)."""
    return LocalGeocoder(read_address_csv(path), **options)


def read_address_text(text: str) -> Iterator[AddressPoint]:
    """Read address CSV held in a string (tests, uploads)."""
    return read_address_csv(io.StringIO(text, newline=""))
