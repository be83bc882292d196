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

import bisect
import csv
import io
import logging
import math
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import IO, TYPE_CHECKING, Any

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
    parse_cross_streets,
    split_street,
    unit_value,
)

if TYPE_CHECKING:
    from geo.streets import IntersectionIndex

log = logging.getLogger(__name__)

CSV_COLUMNS = ("number", "street", "unit", "city", "state", "postcode", "lat", "lon")
EARTH_RADIUS_M = 6_371_008.8
UNIT_FALLBACK = 0.95
NUMBER_FALLBACK = 0.85
FUZZY_CEILING = 0.95  # a fuzzy street match never scores like an exact one
AMBIGUOUS_MARGIN = 0.02
AMBIGUOUS_DISTANCE_M = 150.0
GRID_DEG = 0.002
INTERPOLATED_CONFIDENCE = 0.8
INTERPOLATE_MAX_SPAN_M = 800.0  # two neighbours farther apart are two pieces of a street
INTERPOLATE_MIN_SIMILARITY = 0.85  # a misspelt street must be this close to interpolate on it
CORNER_CONFIDENCE = 0.9


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


@lru_cache(maxsize=4096)
def letter_counts(name: str) -> Counter[str]:
    """How often each letter occurs in a name (cached: street names repeat)."""
    return Counter(name)


def may_be_alike(forms: list[tuple[StreetParts, float]], candidate: StreetParts) -> bool:
    """A cheap bound before the costlier similarity: difflib's quick ratio (letters in common,
    in any order) of at least 0.6 for some typed form. Every name that can count is above it: a
    ratio of 0.8 or more, or at most two edits in a name of four letters or more."""
    name = candidate[1]
    letters = letter_counts(name)
    for parts, _cost in forms:
        size = len(parts[1]) + len(name)
        if not size or 2 * min(len(parts[1]), len(name)) < 0.6 * size:
            continue  # lengths alone rule it out
        typed = letter_counts(parts[1])
        common = sum(min(count, letters[letter]) for letter, count in typed.items())
        if 2 * common >= 0.6 * size:
            return True
    return False


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


def query_forms(query: str) -> list[tuple[StreetParts, float]]:
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
    return best_similarity(query_forms(query), split_street(candidate))


def best_similarity(forms: list[tuple[StreetParts, float]], candidate: StreetParts) -> float:
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
        intersections: IntersectionIndex | None = None,
        user_agent: str | None = "crisis-dispatch-local",
    ) -> None:
        super().__init__(user_agent=user_agent, adapter_factory=_NoNetworkAdapter)
        self.min_confidence = min_confidence
        self.reverse_max_m = reverse_max_m
        self.intersections = intersections
        # street -> [(house number, index)] of plain numbers ("12", not "12A"), for interpolation
        self._numbered: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._street_point: dict[str, int] = {}  # street -> one of its points
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
            self._street_point.setdefault(street, index)
            if number.isdigit():
                self._numbered[street].append((int(number), index))
            self._streets_by_number[number].add(street)
            if street not in self._streets:
                self._streets.add(street)
                self._street_parts[street] = split_street(street)
            self._grid[self._cell(point.lat, point.lon)].append(index)
            self._cities.setdefault(normalize_street(point.city), point.city)
            self._states.add(point.state.strip().upper())
        for numbered in self._numbered.values():
            numbered.sort()
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
        if not self._this_town(parsed.city, parsed.state):
            return None
        numbers = [(parsed.number, 1.0, "")]
        if base_number(parsed.number) != parsed.number:
            numbers.append((base_number(parsed.number), NUMBER_FALLBACK, "number"))
        # A street on file with the number not on it is a wrong number: no fuzzy street then.
        known_street = parsed.street in self._streets
        forms = [] if known_street else query_forms(parsed.street)
        candidates: list[tuple[float, str, str, str, str]] = []
        for number, factor, fallback in numbers:
            if (parsed.street, number) in self._by_address:
                match = "fuzzy" if fallback else "exact"
                candidates.append((factor, match, fallback, parsed.street, number))
                continue
            if known_street:
                continue
            for street in self._streets_by_number.get(number, ()):
                similarity = best_similarity(forms, self._street_parts[street])
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

    def _this_town(self, city: str, state: str) -> bool:
        """False when a typed city or state is another one than the points' (else true)."""
        if state and state not in self._states:
            return False
        if city and city not in self._cities:
            close = max((SequenceMatcher(None, city, known).ratio() for known in self._cities), default=0.0)
            if close < 0.8:
                return False  # another town: a street there is not this street here
        return True

    def find(self, query: str) -> Location | None:
        """`geocode`, else a corner of two streets (`cross_streets`), else a house number between
        two known ones (`interpolate`). What is not an exact point says so: raw["source"] is
        "intersection", "intersection_near" or "interpolated" and raw["approximate"] is set."""
        found = self.geocode(query)
        if isinstance(found, Location):
            return found
        return self.cross_streets(query) or self.interpolate(query)

    def cross_streets(self, query: str) -> Location | None:
        """Where two typed streets meet ("Pearl St & Church St", "corner of Pearl and Church"),
        from the junction index given as `intersections`; None when the text is not a corner,
        a street is not one of these points' streets, or the corner is not known or not clear
        (geo/streets.py). A `near` junction (the streets almost meet) answers approximate."""
        if self.intersections is None:
            return None
        corner_text = parse_cross_streets(str(query), cities=list(self._cities.values()))
        if corner_text is None or not self._this_town(corner_text.city, corner_text.state):
            return None
        corner = self.intersections.find(corner_text.first, corner_text.second, known=self._streets)
        if corner is None:
            return None
        junction = corner.junction
        on_street = self._points[self._street_point[normalize_street(junction.street_a)]]
        city, state = on_street.city, on_street.state
        line = f"{junction.street_a} & {junction.street_b}"
        address = ", ".join(part for part in (line, city, state) if part)
        raw = {
            "street": junction.street_a,
            "cross_street": junction.street_b,
            "city": city,
            "state": state,
            "kind": junction.kind,
            "confidence": round(CORNER_CONFIDENCE * corner.score * (0.9 if corner.approximate else 1.0), 3),
            "match": "intersection",
            "source": "intersection_near" if corner.approximate else "intersection",
            "approximate": corner.approximate,
        }
        return Location(address, (junction.lat, junction.lon), raw)

    def interpolate(self, query: str) -> Location | None:
        """A house number that is no address point, placed between its two neighbours.

        The neighbours are the closest lower and higher plain numbers on the same street with
        the same parity (the same side of the street); with no such pair, of any parity. The
        place is on the straight line between them, linear in the house number. No answer for a
        number below the lowest or above the highest on file, on a street with one point, when
        the two neighbours are more than `INTERPOLATE_MAX_SPAN_M` apart (two pieces of a street),
        or when the typed street is not clearly one street (a misspelt name must be at least
        `INTERPOLATE_MIN_SIMILARITY` alike and not tie with another). A fraction or letter
        ("6 1/2", "12A") counts as its plain number. raw["source"] is "interpolated",
        raw["approximate"] True and raw["between"] the two neighbours' numbers.
        """
        parsed = parse_address(str(query), cities=list(self._cities.values()))
        plain = base_number(parsed.number)
        if not plain or not parsed.street or not self._this_town(parsed.city, parsed.state):
            return None
        street = self._clear_street(parsed.street)
        if street is None:
            return None
        neighbours = self._neighbours(street, int(plain))
        if neighbours is None:
            return None
        (low, low_index), (high, high_index) = neighbours
        a, b = self._points[low_index], self._points[high_index]
        if _distance_m(a.lat, a.lon, b.lat, b.lon) > INTERPOLATE_MAX_SPAN_M:
            return None
        share = (int(plain) - low) / (high - low)
        lat, lon = a.lat + (b.lat - a.lat) * share, a.lon + (b.lon - a.lon) * share
        place = " ".join(part for part in (a.state, a.postcode if a.postcode == b.postcode else "") if part)
        address = ", ".join(part for part in (f"{parsed.number} {a.street}", a.city, place) if part)
        raw = {
            "number": parsed.number,
            "street": a.street,
            "unit": "",
            "city": a.city,
            "state": a.state,
            "postcode": a.postcode if a.postcode == b.postcode else "",
            "confidence": INTERPOLATED_CONFIDENCE,
            "match": "interpolated",
            "source": "interpolated",
            "approximate": True,
            "between": [a.number, b.number],
        }
        return Location(address, (round(lat, 7), round(lon, 7)), raw)

    def _clear_street(self, typed: str) -> str | None:
        """The one street of these points a typed street means, or None."""
        if typed in self._streets:
            return typed
        forms = query_forms(typed)
        scored = sorted(
            (
                (best_similarity(forms, self._street_parts[street]), street)
                for street in self._numbered
                if may_be_alike(forms, self._street_parts[street])
            ),
            reverse=True,
        )
        if not scored or scored[0][0] < INTERPOLATE_MIN_SIMILARITY:
            return None
        if len(scored) > 1 and scored[0][0] - scored[1][0] <= AMBIGUOUS_MARGIN:
            return None  # "Union St": North or South?
        return scored[0][1]

    def _neighbours(self, street: str, number: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
        numbered = self._numbered.get(street, [])
        if (street, str(number)) in self._by_address:
            return None  # on file: geocode answers it (or chose not to)
        same_side = [entry for entry in numbered if entry[0] % 2 == number % 2]
        for entries in (same_side, numbered):
            at = bisect.bisect_left(entries, (number, -1))
            if 0 < at < len(entries):
                return entries[at - 1], entries[at]
        return None

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
