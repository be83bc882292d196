"""Streets: where two named streets meet (intersection geocoding) and the street lines to draw.

The demo city's files are in data/streets/ (see its README: lines and junctions derived from the
E911 address points, not surveyed centre lines). `IntersectionIndex` answers "Pearl St & Church St"
from `burlington_intersections.csv`; the map pages draw `burlington_streets.geojson`.

How a corner is answered (`IntersectionIndex.find`):
- Each typed name is matched to the street names of the junction file the way the local geocoder
  matches streets (`geo.local` street similarity: "Pearl" is Pearl Street, "N Winooski" North
  Winooski Avenue, "Pearl St" never South Pearl...). Only pairs that meet in the file count.
- A pair with `kind=meet` rows answers with them; only `near` rows (a line end that stops short of
  the other street) answer approximate. Several rows of one pair within `AMBIGUOUS_DISTANCE_M` of
  each other answer the first, approximate; farther apart (streets that meet twice) no answer.
- Two readings of the typed names that score alike but are more than `AMBIGUOUS_DISTANCE_M`
  apart give no answer (a wrong corner is worse than none).
"""

from __future__ import annotations

import csv
import math
import os
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from geo.local import best_similarity, may_be_alike, query_forms
from geo.normalize import normalize_street, split_street

STREETS_DIR = Path(__file__).resolve().parent.parent / "data" / "streets"
DEMO_INTERSECTIONS = STREETS_DIR / "burlington_intersections.csv"
DEMO_STREETS = STREETS_DIR / "burlington_streets.geojson"
INTERSECTION_COLUMNS = ("street_a", "street_b", "lat", "lon", "kind", "gap_m", "max_addr_dist_m")
MIN_NAME_SCORE = 0.8
AMBIGUOUS_MARGIN = 0.02
AMBIGUOUS_DISTANCE_M = 150.0


@dataclass(frozen=True, slots=True)
class Junction:
    """One row of the junction file: two streets as written, where they meet, and how sure."""

    street_a: str
    street_b: str
    lat: float
    lon: float
    kind: str  # "meet" (the lines cross or touch) or "near" (a line end stops short of the other)
    gap_m: float


@dataclass(frozen=True, slots=True)
class Corner:
    """The answer for two typed streets: the junction and whether it is only approximate."""

    junction: Junction
    approximate: bool
    score: float


def read_intersections(path: str | os.PathLike[str]) -> list[Junction]:
    """The rows of a junction file (columns street_a,street_b,lat,lon,kind,gap_m,max_addr_dist_m)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in INTERSECTION_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing columns {', '.join(missing)}")
        return [
            Junction(
                street_a=row["street_a"].strip(),
                street_b=row["street_b"].strip(),
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                kind=row["kind"].strip(),
                gap_m=float(row["gap_m"] or 0),
            )
            for row in reader
        ]


def _distance_m(a: Junction, b: Junction) -> float:
    dy = (a.lat - b.lat) * 111_195.0
    dx = (a.lon - b.lon) * 111_195.0 * math.cos(math.radians((a.lat + b.lat) / 2))
    return math.hypot(dx, dy)


class IntersectionIndex:
    """Junctions by the unordered pair of normalised street names."""

    def __init__(self, junctions: Iterable[Junction]) -> None:
        self._pairs: dict[frozenset[str], list[Junction]] = defaultdict(list)
        self._partners: dict[str, set[str]] = defaultdict(set)
        self.junctions = tuple(junctions)
        for junction in self.junctions:
            a, b = normalize_street(junction.street_a), normalize_street(junction.street_b)
            if a == b:
                continue
            self._pairs[frozenset((a, b))].append(junction)
            self._partners[a].add(b)
            self._partners[b].add(a)
        self.streets = frozenset(self._partners)
        self._parts = {street: split_street(street) for street in self.streets}
        self._by_name: dict[str, list[str]] = defaultdict(list)
        for street, parts in sorted(self._parts.items()):
            self._by_name[parts[1]].append(street)

    def __len__(self) -> int:
        return len(self.junctions)

    def _readings(self, typed: str, among: Collection[str]) -> list[tuple[float, str]]:
        """The streets of `among` a typed (normalised) name may mean, with how alike they are.

        The same name with another (or no) type or directional ("Pearl" for Pearl Street) is
        looked up by name first; only a name matching none is compared with every street."""
        if typed in among:
            return [(1.0, typed)]
        forms = query_forms(typed)
        same_name = [street for street in self._by_name.get(split_street(typed)[1], ()) if street in among]
        found = [(best_similarity(forms, self._parts[street]), street) for street in same_name]
        found = [(score, street) for score, street in found if score >= MIN_NAME_SCORE]
        if found:
            return found
        found = [
            (best_similarity(forms, self._parts[street]), street)
            for street in among
            if may_be_alike(forms, self._parts[street])
        ]
        return [(score, street) for score, street in found if score >= MIN_NAME_SCORE]

    def find(self, first: str, second: str, *, known: Collection[str] | None = None) -> Corner | None:
        """Where two typed (normalised) streets meet, or None (see the module docstring).

        `known`: the street names of the address points in use; a street not among them is not
        this city's street, so a corner of another town is never answered from this file."""
        streets = self.streets if known is None else self.streets & frozenset(known)
        options: list[tuple[float, Corner | None]] = []  # None: that pair meets twice, far apart
        for score_a, a in self._readings(first, streets):
            partners = self._partners[a] & streets
            for score_b, b in self._readings(second, partners):
                score = score_a * score_b
                options.append((score, self._corner(self._pairs[frozenset((a, b))], score)))
        if not options:
            return None
        options.sort(key=lambda option: (option[0], option[1] is not None and not option[1].approximate), reverse=True)
        best = options[0][1]
        if best is None:
            return None
        for score, other in options[1:]:
            if best.score - score > AMBIGUOUS_MARGIN:
                break
            if other is None or _distance_m(best.junction, other.junction) > AMBIGUOUS_DISTANCE_M:
                return None  # "Main & Union": two corners alike by name, far apart
        return best

    @staticmethod
    def _corner(rows: list[Junction], score: float) -> Corner | None:
        meet = [row for row in rows if row.kind == "meet"]
        chosen = meet or rows
        if any(_distance_m(chosen[0], row) > AMBIGUOUS_DISTANCE_M for row in chosen[1:]):
            return None
        return Corner(junction=chosen[0], approximate=not meet or len(chosen) > 1, score=score)


def load_intersections(path: str | os.PathLike[str] | None = None) -> IntersectionIndex | None:
    """The junction index of a file (the demo city's by default); None when there is no file."""
    target = Path(path) if path is not None else DEMO_INTERSECTIONS
    if not target.is_file():
        return None
    return IntersectionIndex(read_intersections(target))
