"""Unit recommendation: who a dispatcher sees first for an incident in Burlington, VT, and why."""

from __future__ import annotations

import io
import json
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import urllib3
from requests.adapters import HTTPAdapter

from dispatch.recommend import IncidentSite, Recommendation, UnitCandidate, recommend
from geo.osrm import OsrmRouter
from geo.travel import LatLon, StraightLineRouter, geodesic_m, haversine_m

NOW = datetime(2025, 3, 14, 22, 0, tzinfo=UTC)
STALE_AFTER_S = 900
ROUTER = StraightLineRouter()
CHURCH_ST = IncidentSite(44.4781, -73.2124)
HOME = (44.4465, -73.2140)  # a base in the South End


def unit(
    unit_id: int,
    *,
    at: LatLon | None,
    age_min: float = 3,
    status: str = "available",
    home: LatLon = HOME,
    languages: Sequence[str] = (),
    youth: bool = False,
    dispatched_h_ago: float | None = None,
) -> UnitCandidate:
    return UnitCandidate(
        unit_id=unit_id,
        call_sign=f"M{unit_id}",
        status=status,
        lat=at[0] if at else None,
        lon=at[1] if at else None,
        location_at=NOW - timedelta(minutes=age_min) if at else None,
        home_lat=home[0],
        home_lon=home[1],
        languages=languages,
        youth=youth,
        last_dispatched_at=(None if dispatched_h_ago is None else NOW - timedelta(hours=dispatched_h_ago)),
    )


def run(units: Sequence[UnitCandidate], **kwargs: object) -> list[Recommendation]:
    args: dict[str, object] = {
        "incident": CHURCH_ST,
        "units": units,
        "now": NOW,
        "stale_after_s": STALE_AFTER_S,
        "router": ROUTER,
    }
    args.update(kwargs)
    return recommend(**args)  # type: ignore[arg-type]


def signs(recs: Sequence[Recommendation]) -> list[str]:
    return [r.call_sign for r in recs]


FLEET = [
    unit(1, at=(44.4800, -73.2100)),  # ~0.3 km from Church St
    unit(2, at=(44.4779, -73.1965)),  # UVM, ~1.3 km
    unit(3, at=(44.4465, -73.2140)),  # South End, ~3.5 km
    unit(4, at=(44.4785, -73.2120), status="out_of_service"),
    unit(5, at=(44.4783, -73.2122), status="off_duty"),
    unit(6, at=(44.4782, -73.2125), status="en_route"),
    unit(7, at=(44.4784, -73.2121), status="staging"),
    unit(8, at=(44.4785, -73.2120), age_min=42, home=(44.5298, -73.2400)),  # stale; Malletts Bay
    unit(9, at=None, home=(44.4950, -73.2350)),  # no fix yet; ~2.6 km
]


def test_ranked_by_eta_with_only_dispatchable_units() -> None:
    recs = run(FLEET)
    assert signs(recs) == ["M1", "M2", "M9", "M3", "M8"]
    assert [r.rank for r in recs] == [1, 2, 3, 4, 5]
    etas = [r.eta_seconds for r in recs]
    assert etas == sorted(etas)
    assert 60 <= etas[0] <= 120  # 300 m across downtown
    assert not {"M4", "M5", "M6", "M7"} & set(signs(recs))


def test_distance_is_geodesic_from_where_the_unit_was_ranked() -> None:
    recs = {r.call_sign: r for r in run(FLEET)}
    assert recs["M2"].distance_m == round(geodesic_m((44.4779, -73.1965), (44.4781, -73.2124)))
    # The stale unit is measured from its home base, not from its old fix next door.
    assert recs["M8"].distance_m == round(geodesic_m((44.5298, -73.2400), (44.4781, -73.2124)))
    assert recs["M8"].distance_m > 6_000


def test_a_stale_position_is_flagged_and_ranked_from_home() -> None:
    stale = {r.call_sign: r for r in run(FLEET)}["M8"]
    assert stale.location_stale and stale.has_position
    assert "position stale (42 min old) - ranked from home base" in stale.reasons
    assert stale.reasons[0].endswith("from home base")
    assert stale.rank == 5  # its old fix was next to the incident: it would have been first


def test_a_unit_with_no_fix_is_ranked_from_home() -> None:
    no_fix = {r.call_sign: r for r in run(FLEET)}["M9"]
    assert not no_fix.has_position and no_fix.location_stale
    assert "no position fix - ranked from home base" in no_fix.reasons


def test_reasons_for_every_unit() -> None:
    for rec in run(FLEET):
        assert rec.reasons and rec.reasons[0].startswith("ETA ")
        assert any(r.startswith(("last dispatch", "no dispatch")) for r in rec.reasons)
    first = run(FLEET)[0]
    assert first.reasons[0] == "ETA 1 min from last position (3 min old)"
    assert first.matches == {"language": None, "youth": None}
    assert not first.location_stale and first.has_position


def test_a_language_match_wins_a_near_tie_but_not_a_long_wait() -> None:
    near = unit(1, at=(44.4781, -73.2000))  # ~1.0 km
    speaks_es = unit(2, at=(44.4781, -73.1940), languages=["en", "ES"])  # ~0.5 km farther
    far_es = unit(3, at=(44.4465, -73.2140), languages=["es-MX"])  # minutes farther
    site = replace(CHURCH_ST, needs_language="es")
    recs = run([near, speaks_es, far_es], incident=site)
    gap = recs[0].eta_seconds - recs[1].eta_seconds
    assert signs(recs) == ["M2", "M1", "M3"]
    assert 0 < gap <= 60  # M2 really is slower, by under a minute
    assert recs[0].matches["language"] is True and recs[1].matches["language"] is False
    assert "speaks Spanish" in recs[0].reasons
    assert "does not speak Spanish" in recs[1].reasons
    assert any(r.startswith("ranked ahead of M1") and "language" in r for r in recs[0].reasons)
    assert recs[2].matches["language"] is True  # es-MX counts as es
    # Without the need, plain ETA order.
    assert signs(run([near, speaks_es, far_es])) == ["M1", "M2", "M3"]


def test_a_youth_trained_unit_wins_a_near_tie_for_a_minor() -> None:
    near = unit(1, at=(44.4781, -73.2000))
    youth = unit(2, at=(44.4781, -73.1940), youth=True)
    recs = run([near, youth], incident=replace(CHURCH_ST, needs_youth=True))
    assert signs(recs) == ["M2", "M1"]
    assert recs[0].matches == {"language": None, "youth": True}
    assert "youth-trained" in recs[0].reasons and "not youth-trained" in recs[1].reasons
    # Not a minor: youth training does not reorder, and no youth match is reported.
    plain = run([near, youth], incident=replace(CHURCH_ST, needs_youth=False))
    assert signs(plain) == ["M1", "M2"] and plain[0].matches["youth"] is None


def test_language_outranks_youth_training() -> None:
    speaks = unit(1, at=(44.4781, -73.2000), languages=["fr"])
    youth = unit(2, at=(44.4781, -73.2010), youth=True)
    site = replace(CHURCH_ST, needs_language="fr", needs_youth=True)
    assert signs(run([youth, speaks], incident=site)) == ["M1", "M2"]


def test_fairness_breaks_ties_longest_since_last_dispatch_first() -> None:
    spot = (44.4800, -73.2000)
    recent = unit(1, at=spot, dispatched_h_ago=1)
    rested = unit(2, at=spot, dispatched_h_ago=5)
    never = unit(3, at=spot)
    recs = run([recent, rested, never])
    assert signs(recs) == ["M3", "M2", "M1"]
    assert "no dispatch on record" in recs[0].reasons
    assert "last dispatch 5 h ago" in recs[1].reasons
    assert "ranked ahead of M1 (same ETA) for longer since last dispatch" in recs[1].reasons
    # Fairness never outweighs a real ETA difference.
    closer = unit(4, at=(44.4790, -73.2110), dispatched_h_ago=0.5)
    assert signs(run([recent, rested, never, closer]))[0] == "M4"


def test_limit_and_empty_fleets() -> None:
    assert len(run(FLEET, limit=2)) == 2
    assert run([]) == []
    assert run([u for u in FLEET if u.status != "available"]) == []


def test_a_lone_unit_far_away_is_still_found() -> None:
    rutland = unit(1, at=(43.6106, -72.9726))  # ~98 km south
    recs = run([rutland, unit(2, at=None, status="off_duty")])
    assert signs(recs) == ["M1"]
    assert recs[0].distance_m > 90_000


def test_matches_brute_force_ranking_over_a_statewide_fleet() -> None:
    rng = random.Random(7)
    fleet = [
        unit(
            i,
            at=(rng.uniform(42.73, 45.01), rng.uniform(-73.43, -71.47)),
            age_min=rng.choice([2, 5, 30]),
            home=(rng.uniform(42.73, 45.01), rng.uniform(-73.43, -71.47)),
            status=rng.choice(["available"] * 3 + ["on_scene", "off_duty"]),
        )
        for i in range(800)
    ]
    for site in [CHURCH_ST, IncidentSite(43.2, -72.5), IncidentSite(44.9, -71.5)]:
        recs = run(fleet, incident=site, fit_window_s=0, fairness_window_s=0, limit=10)
        expected = sorted(
            (
                ROUTER.seconds_for_straight_m(haversine_m(_origin(u), (site.lat, site.lon))),
                u.call_sign,
            )
            for u in fleet
            if u.status == "available"
        )[:10]
        assert signs(recs) == [call_sign for _, call_sign in expected]


def _origin(u: UnitCandidate) -> LatLon:
    fresh = u.location_at is not None and NOW - u.location_at <= timedelta(seconds=STALE_AFTER_S)
    if fresh and u.lat is not None and u.lon is not None:
        return (u.lat, u.lon)
    return (u.home_lat, u.home_lon)


class TableRouter:
    """A router answering fixed road times by origin, counting its calls."""

    def __init__(self, by_origin: dict[LatLon, float | None], fails: bool = False) -> None:
        self.by_origin = by_origin
        self.fails = fails
        self.asked: list[list[LatLon]] = []

    def table(self, origins: Sequence[LatLon], destinations: Sequence[LatLon]) -> list[list[float | None]]:
        self.asked.append(list(origins))
        if self.fails:
            raise RuntimeError("router down")
        return [[self.by_origin.get(o)] for o in origins]


def test_road_times_refine_the_top_units() -> None:
    m1, m2, m3 = FLEET[0], FLEET[1], FLEET[2]
    # The river bridge is closed: M1's road time is 15 min; M2 has no road route at all.
    router = TableRouter({(44.4800, -73.2100): 900.0, (44.4779, -73.1965): None})
    recs = run([m1, m2, m3], router=router, refine_top=2)
    assert router.asked == [[(44.4800, -73.2100), (44.4779, -73.1965)]]  # one call, top 2 only
    assert signs(recs) == ["M2", "M3", "M1"]
    by_sign = {r.call_sign: r for r in recs}
    assert by_sign["M1"].eta_seconds == 900 and by_sign["M1"].eta_by_road
    assert "no road route found - straight-line estimate" in by_sign["M2"].reasons
    assert not by_sign["M3"].eta_by_road


def test_a_failing_router_keeps_the_straight_line_estimates() -> None:
    router = TableRouter({}, fails=True)
    recs = run(FLEET, router=router)
    assert signs(recs) == signs(run(FLEET))
    assert len(router.asked) == 1


@pytest.mark.parametrize("stale_after_s", [60, 3600])
def test_staleness_follows_the_setting(stale_after_s: int) -> None:
    five_min_old = unit(1, at=(44.4800, -73.2100), age_min=5)
    rec = run([five_min_old], stale_after_s=stale_after_s)[0]
    assert rec.location_stale is (stale_after_s < 300)


class OsrmOk(HTTPAdapter):
    """requests' transport seam: every request gets one canned OSRM table."""

    def __init__(self, body: dict[str, object]) -> None:
        super().__init__()
        self.body = body
        self.sent: list[str] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.sent.append(str(request.url))
        raw = urllib3.HTTPResponse(body=io.BytesIO(json.dumps(self.body).encode()), status=200, preload_content=False)
        return self.build_response(request, raw)


def test_osrm_road_times_through_the_recommendation() -> None:
    adapter = OsrmOk({"code": "Ok", "durations": [[140.0], [610.0]]})
    session = requests.Session()
    session.mount("http://osrm.test", adapter)
    recs = run(FLEET[:3], router=OsrmRouter("http://osrm.test", session=session), refine_top=2)
    assert len(adapter.sent) == 1
    assert [(r.call_sign, r.eta_seconds, r.eta_by_road) for r in recs] == [
        ("M1", 140, True),
        ("M3", round(ROUTER.eta_seconds((44.4465, -73.2140), (44.4781, -73.2124))), False),
        ("M2", 610, True),
    ]
