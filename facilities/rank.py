"""Where a team may take a person: destinations for an incident, best first, with reasons in
words (pure: no Flask, no database; CONTRACT.md "Facilities and beds", DOMAIN "A safe place for help").

Rules:

1. Only facilities that accept the person are listed:
   - a youth incident (the person is under 18) needs a facility that accepts youth, and a
     ``youth`` bed; any other incident the facility's ``adult`` beds, or where it has none its
     ``observation`` chairs, else its ``detox`` beds (the bed a transport there takes, as
     facilities.beds.bed_type_for says), unless a bed type is asked for (the team decides on
     scene);
   - an involuntary hold needs a facility that takes involuntary holds. When the hold is not
     known (``involuntary=None``) nothing is left out, and each reason says whether the facility
     takes holds; ``False`` (a voluntary transport) leaves nothing out either;
   - a facility that counts beds but has none of the needed type does not take this person
     (a youth house for an adult, a detox centre for a youth). A facility that counts no beds
     at all (an emergency department) is listed with "no bed count" - the last resort.
   Walk-in is never a filter: a facility without walk-ins is listed with "no walk-ins — call
   ahead first" (the team's call is the referral).
2. Order: those with an open bed of the needed type first, then by ETA from the incident (the
   team is there), then by name. A stale count (older than ``stale_after_s``, or never reported)
   stays where its count puts it, flagged and said ("count 5 h old — call ahead"), never hidden.
3. ETA: the straight-line model of geo.travel for every facility; the first ``refine_top`` are
   re-timed by the router (OSRM when configured) in one table call, as unit recommendations
   are. ``distance_m`` is the geodesic distance. An incident with no location still gets its
   list (by open bed, then name) with no ETA, and a reason that says why.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dispatch.recommend import age_words, minutes_words
from geo.travel import Router, StraightLineRouter, geodesic_m, haversine_m

log = logging.getLogger(__name__)

ADULT, YOUTH = "adult", "youth"
# An adult with no bed type asked for takes the first of these a facility has (facilities.beds).
ADULT_BED_ORDER = ("adult", "observation", "detox")
DEFAULT_ESTIMATOR = StraightLineRouter()
REFINE_TOP = 5


@dataclass(frozen=True, slots=True)
class Person:
    """What the incident knows of the person and where they are."""

    lat: float | None
    lon: float | None
    youth: bool | None = None  # under 18; None: not known
    involuntary: bool | None = None  # an involuntary hold; None: not known
    bed_type: str | None = None  # asked for; None: youth -> "youth", else "adult"

    @property
    def needed_bed_type(self) -> str:
        """The bed type asked for: the one named, else youth or adult."""
        return self.bed_type or (YOUTH if self.youth else ADULT)

    def bed_type_at(self, facility: FacilityCandidate) -> str:
        """The bed this person takes at `facility`: the one named, youth for a youth, else the
        first of ADULT_BED_ORDER the facility has (adult when it counts none)."""
        if self.bed_type or self.youth:
            return self.needed_bed_type
        return next((t for t in ADULT_BED_ORDER if _has(facility, t)), ADULT)

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True, slots=True)
class BedCount:
    total: int
    available: int


@dataclass(frozen=True, slots=True)
class FacilityCandidate:
    facility_id: int
    name: str
    kind: str
    lat: float
    lon: float
    accepts_youth: bool = False
    accepts_involuntary: bool = False
    accepts_walk_in: bool = False
    beds: Mapping[str, BedCount] = field(default_factory=dict)
    beds_updated_at: datetime | None = None
    phone: str | None = None  # E.164: to call ahead


@dataclass(frozen=True, slots=True)
class Destination:
    facility_id: int
    name: str
    kind: str
    eta_seconds: int | None
    distance_m: int | None
    bed_type: str
    available: int
    total: int
    beds_stale: bool
    beds_updated_at: datetime | None
    accepts: dict[str, bool]
    reasons: list[str]
    rank: int
    eta_by_road: bool = False
    phone: str | None = None


@dataclass(slots=True, eq=False)
class _Entry:
    facility: FacilityCandidate
    bed_type: str
    count: BedCount | None = None
    eta: float | None = None
    by_road: bool = False
    no_route: bool = False

    def __post_init__(self) -> None:
        self.count = self.facility.beds.get(self.bed_type)

    @property
    def open_bed(self) -> bool:
        return self.count is not None and self.count.available > 0


def accepts(person: Person, facility: FacilityCandidate) -> bool:
    """Whether the facility takes this person (rule 1)."""
    if person.youth and not facility.accepts_youth:
        return False
    if person.involuntary and not facility.accepts_involuntary:
        return False
    return not facility.beds or _has(facility, person.bed_type_at(facility))


def _has(facility: FacilityCandidate, bed_type: str) -> bool:
    count = facility.beds.get(bed_type)
    return count is not None and count.total > 0


def is_stale(updated_at: datetime | None, *, now: datetime, stale_after_s: int) -> bool:
    """A count older than ``stale_after_s`` (FACILITY_BEDS_STALE_S), or never reported."""
    return updated_at is None or updated_at < now - timedelta(seconds=max(0, stale_after_s))


def rank_destinations(
    *,
    person: Person,
    facilities: Sequence[FacilityCandidate],
    now: datetime,
    stale_after_s: int,
    router: Router,
    refine_top: int = REFINE_TOP,
    estimator: StraightLineRouter | None = None,
    limit: int | None = None,
) -> list[Destination]:
    """The facilities that accept ``person``, best first (rank 1), each with its reasons; the
    first ``limit`` of them (None: all). Geodesic distance is computed only for those returned."""
    if estimator is None:
        estimator = router if isinstance(router, StraightLineRouter) else DEFAULT_ESTIMATOR
    entries = [_Entry(f, person.bed_type_at(f)) for f in facilities if accepts(person, f)]
    site = (person.lat, person.lon) if person.lat is not None and person.lon is not None else None
    if site is not None:
        for entry in entries:
            entry.eta = estimator.seconds_for_straight_m(haversine_m((entry.facility.lat, entry.facility.lon), site))
        entries.sort(key=_order_key)
        if refine_top > 0 and router is not estimator:
            _refine(entries[:refine_top], site, router)
    entries.sort(key=_order_key)
    kept = entries if limit is None else entries[: max(0, limit)]
    return [_destination(e, rank, person, now, stale_after_s, site) for rank, e in enumerate(kept, start=1)]


def _order_key(entry: _Entry) -> tuple[int, float, str]:
    eta = entry.eta if entry.eta is not None else math.inf
    return (0 if entry.open_bed else 1, eta, entry.facility.name.casefold())


def _refine(chosen: list[_Entry], site: tuple[float, float], router: Router) -> None:
    if not chosen:
        return
    try:
        table = router.table([site], [(e.facility.lat, e.facility.lon) for e in chosen])
    except Exception:  # a router must not fail the list; keep the estimates
        log.exception("router failed; keeping straight-line estimates")
        return
    row = table[0] if table else []
    for entry, seconds in zip(chosen, row, strict=False):
        if seconds is None:
            entry.no_route = True
        else:
            entry.eta = float(seconds)
            entry.by_road = True


def _destination(
    entry: _Entry,
    rank: int,
    person: Person,
    now: datetime,
    stale_after_s: int,
    site: tuple[float, float] | None,
) -> Destination:
    f = entry.facility
    bed_type = entry.bed_type
    stale = is_stale(f.beds_updated_at, now=now, stale_after_s=stale_after_s)
    reasons = [_beds_words(entry.count, bed_type, counted=bool(f.beds))]
    if f.beds:
        reasons.append(_count_age_words(f.beds_updated_at, now=now, stale=stale))
    if person.youth:
        reasons.append("accepts youth")
    if person.involuntary:
        reasons.append("takes involuntary holds")
    elif person.involuntary is None:
        reasons.append("takes involuntary holds" if f.accepts_involuntary else "voluntary only")
    reasons.append("takes walk-ins" if f.accepts_walk_in else "no walk-ins — call ahead first")
    if site is None:
        reasons.append("no ETA: the incident has no location")
    else:
        assert entry.eta is not None
        reasons.append(f"{minutes_words(entry.eta)} away")
        if entry.no_route:
            reasons.append("no road route found")
    distance = None if site is None else round(geodesic_m(site, (f.lat, f.lon)))
    return Destination(
        facility_id=f.facility_id,
        name=f.name,
        kind=f.kind,
        eta_seconds=None if entry.eta is None else round(entry.eta),
        distance_m=distance,
        bed_type=bed_type,
        available=entry.count.available if entry.count else 0,
        total=entry.count.total if entry.count else 0,
        beds_stale=stale,
        beds_updated_at=f.beds_updated_at,
        accepts={"youth": f.accepts_youth, "involuntary": f.accepts_involuntary, "walk_in": f.accepts_walk_in},
        reasons=reasons,
        rank=rank,
        eta_by_road=entry.by_road,
        phone=f.phone,
    )


def _beds_words(count: BedCount | None, bed_type: str, *, counted: bool) -> str:
    if not counted:
        return "no bed count — call ahead"
    if count is None or count.available <= 0:
        total = count.total if count else 0
        return f"no {bed_type} beds open (0 of {total})"
    plural = "bed" if count.available == 1 else "beds"
    return f"{count.available} {bed_type} {plural} open"


def _count_age_words(updated_at: datetime | None, *, now: datetime, stale: bool) -> str:
    if updated_at is None:
        return "count never reported — call ahead"
    age = age_words(now, updated_at)
    return f"count {age} old — call ahead" if stale else f"count {age} old"
