"""Which units to send to an incident, best first, each with its reasons (pure: no Flask, no DB).

Rules (DESIGN.md "Dispatch"):

1. Only dispatchable units (status ``available``) are considered.
2. A unit is ranked from its last position when that fix is fresh (no older than
   ``stale_after_s``); otherwise -- stale fix, or no fix at all -- from its home base, and flagged.
3. Search: a bounding box around the incident (cheap comparisons on degrees) grows until it
   holds enough units within its radius; those are ranked by haversine distance and the
   straight-line travel-time model. The box is correct, not a heuristic: a unit outside it is
   farther than the radius, so it cannot beat any unit kept.
4. The best ``refine_top`` are re-timed by the router (OSRM when configured) in one table call;
   the others keep the straight-line estimate. Geodesic distance (geopy) is computed only for the
   units returned.
5. Order: by ETA, then fit, then fairness, with ETA *windows* because an ETA is an estimate with
   minutes of error. Repeatedly, among the units left:
   - take every unit whose ETA is within ``fit_window_s`` of the fastest one left: the fit band
     of the incident's priority (DOMAIN "Fit and the ETA band": 5 min for emergent, 15 for
     urgent, 30 for routine; settings FIT_BAND_*, see :func:`fit_band_s`);
   - keep those with the best fit: a language match first (a team that cannot talk with the
     person cannot help them), then youth training when the person is under 18;
   - among those, units within ``fairness_window_s`` (30 s) of the fastest of them are ties,
     and the one longest since its last dispatch (never dispatched first) goes next.
   So fit moves a unit ahead of faster ones only within the band (the reasons say so), and
   fairness only separates units whose ETAs are practically equal.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from dispatch.states import UnitStatus, is_dispatchable
from geo.travel import (
    EARTH_RADIUS_M,
    LatLon,
    Router,
    StraightLineRouter,
    bounding_box,
    geodesic_m,
)
from triage.languages import table as language_table

log = logging.getLogger(__name__)

DISPATCHABLE: frozenset[str] = frozenset(s for s in UnitStatus if is_dispatchable(s))
INITIAL_RADIUS_M = 5_000.0
DEFAULT_ESTIMATOR = StraightLineRouter()
_RAD = math.pi / 180.0


# DOMAIN "Fit and the ETA band": the defaults of FIT_BAND_EMERGENT_S / _URGENT_S / _ROUTINE_S.
FIT_BANDS_S: dict[str, int] = {"emergent": 300, "urgent": 900, "routine": 1800}


class FitBands(Protocol):
    """The settings that hold the bands (config.Settings)."""

    @property
    def fit_band_emergent_s(self) -> int: ...
    @property
    def fit_band_urgent_s(self) -> int: ...
    @property
    def fit_band_routine_s(self) -> int: ...


def fit_band_s(priority: str | None, settings: FitBands | None = None) -> float:
    """How far behind the fastest unit fit may still move a unit up, for this priority; an
    incident with no priority gets the narrowest band (emergent's)."""
    bands = dict(FIT_BANDS_S)
    if settings is not None:
        bands = {
            "emergent": settings.fit_band_emergent_s,
            "urgent": settings.fit_band_urgent_s,
            "routine": settings.fit_band_routine_s,
        }
    return float(bands.get(priority or "emergent", bands["emergent"]))


@dataclass(frozen=True, slots=True)
class IncidentSite:
    lat: float
    lon: float
    needs_language: str | None = None  # ISO 639-1 code, e.g. "es"
    needs_youth: bool | None = None  # the person is under 18
    priority: str | None = None  # emergent | urgent | routine: picks the fit band


@dataclass(frozen=True, slots=True)
class UnitCandidate:
    unit_id: int
    call_sign: str
    status: str  # a UnitStatus value
    lat: float | None
    lon: float | None
    location_at: datetime | None
    home_lat: float
    home_lon: float
    languages: Sequence[str] = ()
    youth: bool = False
    last_dispatched_at: datetime | None = None
    # A short-staffed crew in words (dispatch.crew.staffing_reason): shown, never ranked on.
    staffing: str | None = None


@dataclass(frozen=True, slots=True)
class Recommendation:
    unit_id: int
    call_sign: str
    eta_seconds: int
    distance_m: int  # geodesic, from the point the unit was ranked from
    location_stale: bool  # ranked from home base: the fix is stale or there is none
    has_position: bool
    matches: dict[str, bool | None]  # {"language": ..., "youth": ...}; None: not asked for
    reasons: list[str]
    rank: int
    eta_by_road: bool = False  # the router, not the straight-line estimate, gave the ETA


@dataclass(slots=True, eq=False)
class _Entry:
    unit: UnitCandidate
    lat: float
    lon: float
    fresh: bool
    straight_m: float
    eta: float
    by_road: bool = False
    no_route: bool = False
    language: bool | None = None
    youth: bool | None = None
    fit: tuple[int, int] = (0, 0)
    idle_since: float = -math.inf
    notes: list[str] = field(default_factory=list)


def recommend(
    *,
    incident: IncidentSite,
    units: Sequence[UnitCandidate],
    now: datetime,
    stale_after_s: int,
    router: Router,
    limit: int = 10,
    refine_top: int = 5,
    fit_window_s: float = 60.0,
    fairness_window_s: float = 30.0,
    estimator: StraightLineRouter | None = None,
) -> list[Recommendation]:
    """Rank dispatchable units for ``incident``, best first (rank 1), at most ``limit``.

    ``estimator`` is the straight-line model used for the cheap ranking; by default the router
    itself when it is a :class:`StraightLineRouter`, else that model's defaults.
    ``now`` and the units' timestamps must be all timezone-aware (UTC) or all naive.
    """
    if limit <= 0:
        return []
    if estimator is None:
        estimator = router if isinstance(router, StraightLineRouter) else DEFAULT_ESTIMATOR
    pool = _dispatchable_origins(units, now - timedelta(seconds=max(0, stale_after_s)))
    if not pool:
        return []
    need = max(limit, refine_top, 1)
    extra_s = max(0.0, fit_window_s) + max(0.0, fairness_window_s)
    shortlist = _nearest(incident, pool, need, extra_s, estimator)
    entries = [
        _Entry(u, lat, lon, fresh, d, estimator.seconds_for_straight_m(d)) for d, lat, lon, fresh, u in shortlist
    ]
    if refine_top > 0 and router is not estimator:
        _refine(entries, incident, router, refine_top)
    for entry in entries:
        _judge_fit(entry, incident)
    ordered = _order(entries, limit, fit_window_s, fairness_window_s)
    return [_recommendation(e, rank, incident, now) for rank, e in enumerate(ordered, start=1)]


def _dispatchable_origins(
    units: Sequence[UnitCandidate], fresh_after: datetime
) -> list[tuple[float, float, bool, UnitCandidate]]:
    pool = []
    for u in units:
        if u.status not in DISPATCHABLE:
            continue
        if u.lat is not None and u.lon is not None and u.location_at is not None and u.location_at >= fresh_after:
            pool.append((u.lat, u.lon, True, u))
            continue
        pool.append((u.home_lat, u.home_lon, False, u))
    return pool


def _nearest(
    incident: IncidentSite,
    pool: list[tuple[float, float, bool, UnitCandidate]],
    need: int,
    extra_s: float,
    estimator: StraightLineRouter,
) -> list[tuple[float, float, float, bool, UnitCandidate]]:
    """Units that can make the first ``need`` places, as (straight m, lat, lon, fresh, unit)."""
    c_lat, c_lon = incident.lat * _RAD, incident.lon * _RAD
    cos_c = math.cos(c_lat)
    two_r = 2.0 * EARTH_RADIUS_M
    sin, cos, asin, sqrt = math.sin, math.cos, math.asin, math.sqrt
    radius = INITIAL_RADIUS_M
    while True:
        box = bounding_box((incident.lat, incident.lon), radius)
        lo_lat, hi_lat, lo_lon, hi_lon = box.min_lat, box.max_lat, box.min_lon, box.max_lon
        near = []
        for lat, lon, fresh, u in pool:
            if lo_lat <= lat <= hi_lat and lo_lon <= lon <= hi_lon:
                p_lat = lat * _RAD
                h = sin((p_lat - c_lat) * 0.5) ** 2 + cos_c * cos(p_lat) * sin((lon * _RAD - c_lon) * 0.5) ** 2
                near.append((two_r * asin(min(1.0, sqrt(h))), lat, lon, fresh, u))
        everything = len(near) == len(pool)
        candidates = near if everything else [n for n in near if n[0] <= radius]
        if len(candidates) >= need or everything:
            candidates.sort(key=_first)
            if len(candidates) >= need:
                kth_s = estimator.seconds_for_straight_m(candidates[need - 1][0])
                reach = estimator.straight_m_for_seconds(kth_s + extra_s)
            else:
                reach = math.inf
            if everything or reach <= radius:
                return [c for c in candidates if c[0] <= reach]
            radius = reach
        else:
            # Grow by the shortfall (units per area ~ radius^2), at least x1.5, at most x4.
            factor = math.sqrt(need / max(1, len(candidates))) * 1.2
            radius *= min(4.0, max(1.5, factor))


def _first(item: tuple[float, float, float, bool, UnitCandidate]) -> float:
    return item[0]


def _refine(entries: list[_Entry], incident: IncidentSite, router: Router, top: int) -> None:
    entries.sort(key=lambda e: e.eta)
    chosen = entries[:top]
    try:
        table = router.table([(e.lat, e.lon) for e in chosen], [(incident.lat, incident.lon)])
    except Exception:  # a router must not fail a recommendation; keep the estimates
        log.exception("router failed; keeping straight-line estimates")
        return
    for entry, row in zip(chosen, table, strict=False):
        seconds = row[0] if row else None
        if seconds is None:
            entry.no_route = True
        else:
            entry.eta = float(seconds)
            entry.by_road = True


def _language_code(code: str) -> str:
    return code.strip().lower().replace("_", "-").split("-", 1)[0]


def _language_name(code: str) -> str:
    """The language's English name from the language table ("es" -> "Spanish"); the code if unknown."""
    wanted = _language_code(code)
    language = language_table().get(wanted)
    return language.name if language is not None else wanted


def _judge_fit(entry: _Entry, incident: IncidentSite) -> None:
    u = entry.unit
    if incident.needs_language:
        wanted = _language_code(incident.needs_language)
        entry.language = any(_language_code(lang) == wanted for lang in u.languages)
    if incident.needs_youth:
        entry.youth = bool(u.youth)
    entry.fit = (1 if entry.language else 0, 1 if entry.youth else 0)
    if u.last_dispatched_at is not None:
        entry.idle_since = u.last_dispatched_at.timestamp()


def _order(entries: list[_Entry], limit: int, fit_window_s: float, fairness_window_s: float) -> list[_Entry]:
    remaining = sorted(entries, key=lambda e: (e.eta, e.unit.call_sign))
    ordered: list[_Entry] = []
    while remaining and len(ordered) < limit:
        fastest = remaining[0]
        group = [e for e in remaining if e.eta <= fastest.eta + fit_window_s]
        best_fit = max(e.fit for e in group)
        fitting = [e for e in group if e.fit == best_fit]  # still sorted by ETA
        ties = [e for e in fitting if e.eta <= fitting[0].eta + fairness_window_s]
        chosen = min(ties, key=lambda e: (e.idle_since, e.eta, e.unit.call_sign))
        if chosen is not fastest:
            chosen.notes.append(_promotion(chosen, fastest, fit_window_s))
        remaining.remove(chosen)
        ordered.append(chosen)
    return ordered


def _promotion(chosen: _Entry, passed: _Entry, fit_window_s: float) -> str:
    """Why ``chosen`` goes before the faster unit ``passed`` (remaining units are ETA-sorted)."""
    band = f" (within the {minutes_words(fit_window_s)} fit band)" if fit_window_s >= 60 else ""
    if chosen.fit[0] > passed.fit[0]:
        why = f"language fit{band}"
    elif chosen.fit > passed.fit:
        why = f"youth training{band}"
    else:
        why = "longer since last dispatch"
    gap = round(chosen.eta - passed.eta)
    if gap >= 90:
        ahead = f"{round(gap / 60)} min faster"
    elif gap >= 1:
        ahead = f"{gap} s faster"
    else:
        ahead = "same ETA"
    return f"ranked ahead of {passed.unit.call_sign} ({ahead}) for {why}"


def _recommendation(entry: _Entry, rank: int, incident: IncidentSite, now: datetime) -> Recommendation:
    u = entry.unit
    has_position = u.lat is not None and u.lon is not None
    eta_text = f"ETA {minutes_words(entry.eta)}"
    if entry.fresh and u.location_at is not None:
        age = age_words(now, u.location_at)
        reasons = [f"{eta_text} from last position ({age} old)"]
    else:
        reasons = [f"{eta_text} from home base"]
        if has_position and u.location_at is not None:
            reasons.append(f"position stale ({age_words(now, u.location_at)} old) - ranked from home base")
        elif has_position:
            reasons.append("position time unknown - ranked from home base")
        else:
            reasons.append("no position fix - ranked from home base")
    if entry.no_route:
        reasons.append("no road route found - straight-line estimate")
    if entry.language is not None and incident.needs_language:
        name = _language_name(incident.needs_language)
        reasons.append(f"speaks {name}" if entry.language else f"does not speak {name}")
    if entry.youth is not None:
        reasons.append("youth-trained" if entry.youth else "not youth-trained")
    if u.staffing:
        reasons.append(u.staffing)
    if u.last_dispatched_at is None:
        reasons.append("no dispatch on record")
    else:
        reasons.append(f"last dispatch {age_words(now, u.last_dispatched_at)} ago")
    reasons.extend(entry.notes)
    return Recommendation(
        unit_id=u.unit_id,
        call_sign=u.call_sign,
        eta_seconds=round(entry.eta),
        distance_m=round(geodesic_m((entry.lat, entry.lon), (incident.lat, incident.lon))),
        location_stale=not entry.fresh,
        has_position=has_position,
        matches={"language": entry.language, "youth": entry.youth},
        reasons=reasons,
        rank=rank,
        eta_by_road=entry.by_road,
    )


def minutes_words(seconds: float) -> str:
    if seconds < 60:
        return "under 1 min"
    return f"{round(seconds / 60)} min"


def age_words(now: datetime, then: datetime) -> str:
    """How old a fix or a count is, in words a person reads at a glance ("20 min", "5 h", "2 d")."""
    seconds = max(0.0, (now - then).total_seconds())
    if seconds < 60:
        return "under 1 min"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} d"


def origin_of(unit: UnitCandidate, *, now: datetime, stale_after_s: int) -> LatLon:
    """The point a unit is ranked from: its fresh fix, else its home base."""
    fresh_after = now - timedelta(seconds=max(0, stale_after_s))
    if (
        unit.lat is not None
        and unit.lon is not None
        and unit.location_at is not None
        and unit.location_at >= fresh_after
    ):
        return (unit.lat, unit.lon)
    return (unit.home_lat, unit.home_lon)
