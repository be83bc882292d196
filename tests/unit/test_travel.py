"""Distances, the straight-line travel-time model, and the OSRM router through requests' seam."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
import requests
import urllib3
from geopy.distance import distance
from requests.adapters import HTTPAdapter

from geo.osrm import OsrmRouter
from geo.travel import (
    StraightLineRouter,
    bounding_box,
    geodesic_m,
    haversine_m,
)

CHURCH_ST = (44.4781, -73.2124)  # Burlington, Church Street
UVM = (44.4779, -73.1965)
MALLETTS_BAY = (44.5298, -73.2400)
SOUTH_END = (44.4465, -73.2140)


def test_geodesic_and_haversine_agree_on_a_known_distance() -> None:
    # One degree of latitude at 44.5 N is ~111.1 km on the ellipsoid.
    one_degree = geodesic_m((44.0, -73.2), (45.0, -73.2))
    assert 111_000 < one_degree < 111_250
    assert haversine_m((44.0, -73.2), (45.0, -73.2)) == pytest.approx(one_degree, rel=0.005)
    across_town = geodesic_m(CHURCH_ST, UVM)
    assert 1_200 < across_town < 1_300
    assert haversine_m(CHURCH_ST, UVM) == pytest.approx(across_town, rel=0.005)
    assert haversine_m(CHURCH_ST, CHURCH_ST) == 0.0


@pytest.mark.parametrize("radius_m", [500.0, 5_000.0, 50_000.0])
def test_bounding_box_holds_every_point_of_the_circle(radius_m: float) -> None:
    box = bounding_box(CHURCH_ST, radius_m)
    for step in range(72):
        bearing = step * 5.0
        # geopy's destination point, a touch inside the circle.
        edge = distance(meters=radius_m * 0.995).destination(CHURCH_ST, bearing)
        assert box.contains(edge.latitude, edge.longitude), bearing
    # And it is tight: a point 20 % beyond the radius due north or east lies outside.
    north = distance(meters=radius_m * 1.2).destination(CHURCH_ST, 0)
    east = distance(meters=radius_m * 1.2).destination(CHURCH_ST, 90)
    assert not box.contains(north.latitude, north.longitude)
    assert not box.contains(east.latitude, east.longitude)


def test_bounding_box_near_the_pole_and_antimeridian_spans_every_longitude() -> None:
    polar = bounding_box((89.9, 10.0), 50_000)
    assert (polar.min_lon, polar.max_lon) == (-180.0, 180.0)
    assert polar.max_lat == 90.0
    dateline = bounding_box((0.0, 179.99), 10_000)
    assert dateline.contains(0.0, -179.99)


def test_eta_grows_with_distance_and_mean_speed_grows_too() -> None:
    router = StraightLineRouter()
    distances = [10, 100, 300, 1_000, 2_000, 5_000, 10_000, 50_000]
    times = [router.seconds_for_straight_m(d) for d in distances]
    assert times == sorted(times) and len(set(times)) == len(times)
    speeds = [d / t for d, t in zip(distances, times, strict=True)]
    assert speeds == sorted(speeds)
    # Never faster than the cruise speed on the road.
    assert all(s * router.circuity < router.cruise_speed_mps for s in speeds)
    assert router.seconds_for_straight_m(0) == 0.0


def test_the_two_pieces_of_the_curve_meet() -> None:
    router = StraightLineRouter()
    critical_straight = router.critical_road_m / router.circuity
    below = router.seconds_for_straight_m(critical_straight - 0.01)
    above = router.seconds_for_straight_m(critical_straight + 0.01)
    assert above - below == pytest.approx(0.02 * router.circuity / router.cruise_speed_mps, 1e-3)


def test_sane_etas_for_an_urban_area() -> None:
    router = StraightLineRouter()
    assert 8 * 60 <= router.seconds_for_straight_m(5_000) <= 12 * 60
    assert 2 * 60 <= router.seconds_for_straight_m(1_000) <= 4 * 60
    assert router.eta_seconds(CHURCH_ST, MALLETTS_BAY) == pytest.approx(
        router.seconds_for_straight_m(haversine_m(CHURCH_ST, MALLETTS_BAY))
    )


def test_circuity_and_turnout_are_applied() -> None:
    straight = StraightLineRouter(circuity=1.0)
    winding = StraightLineRouter(circuity=1.5)
    d = 8_000.0
    assert winding.seconds_for_straight_m(d) == pytest.approx(straight.seconds_for_straight_m(d * 1.5))
    with_turnout = StraightLineRouter(turnout_s=90)
    assert with_turnout.seconds_for_straight_m(d) == pytest.approx(StraightLineRouter().seconds_for_straight_m(d) + 90)
    with pytest.raises(ValueError):
        StraightLineRouter(circuity=0.9)


@pytest.mark.parametrize("straight_m", [50.0, 800.0, 3_000.0, 40_000.0])
def test_distance_for_a_time_inverts_the_model(straight_m: float) -> None:
    router = StraightLineRouter(turnout_s=30)
    seconds = router.seconds_for_straight_m(straight_m)
    assert router.straight_m_for_seconds(seconds) == pytest.approx(straight_m)


def test_table_is_origins_by_destinations() -> None:
    router = StraightLineRouter()
    table = router.table([CHURCH_ST, UVM, MALLETTS_BAY], [SOUTH_END, CHURCH_ST])
    assert len(table) == 3 and all(len(row) == 2 for row in table)
    assert table[0][1] == 0.0
    assert table[2][0] == pytest.approx(router.eta_seconds(MALLETTS_BAY, SOUTH_END))


# --- OSRM through requests' own transport-adapter seam ---------------------------------------


class CannedOsrm(HTTPAdapter):
    """Answers every request with one canned response (or raises), and records what was sent."""

    def __init__(self, *, status: int = 200, body: Any = None, raises: Exception | None = None) -> None:
        super().__init__()
        self.status = status
        self.body = body
        self.raises = raises
        self.sent: list[tuple[str, Any]] = []

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        self.sent.append((str(request.url), timeout))
        if self.raises is not None:
            raise self.raises
        payload = self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(payload),
            headers={"Content-Type": "application/json"},
            status=self.status,
            preload_content=False,
        )
        return self.build_response(request, raw)


def _router_with(adapter: CannedOsrm, **kwargs: Any) -> OsrmRouter:
    session = requests.Session()
    session.mount("http://osrm.test", adapter)
    return OsrmRouter("http://osrm.test/", session=session, **kwargs)


def test_osrm_request_url_and_parsing() -> None:
    adapter = CannedOsrm(
        body={
            "code": "Ok",
            "durations": [[412.3], [95.0], [None]],
            "distances": [[5012.0], [1100.5], [None]],
            "sources": [{}, {}, {}],
            "destinations": [{}],
        }
    )
    router = _router_with(adapter, timeout=1.5)
    table = router.table([CHURCH_ST, UVM, MALLETTS_BAY], [SOUTH_END])
    assert table == [[412.3], [95.0], [None]]
    ((url, timeout),) = adapter.sent
    assert timeout == 1.5
    assert url == (
        "http://osrm.test/table/v1/driving/"
        "-73.212400,44.478100;-73.196500,44.477900;-73.240000,44.529800;-73.214000,44.446500"
        "?sources=0;1;2&destinations=3&annotations=duration,distance"
    )


def _fallback_table() -> list[list[float | None]]:
    return StraightLineRouter().table([CHURCH_ST, UVM], [SOUTH_END])


@pytest.mark.parametrize(
    "adapter",
    [
        CannedOsrm(status=500, body=b"<html>Internal Server Error</html>"),
        CannedOsrm(status=400, body={"code": "InvalidQuery", "message": "Query string malformed"}),
        CannedOsrm(status=200, body={"code": "Ok", "durations": [[1.0]]}),  # wrong shape
        CannedOsrm(status=200, body={"code": "Ok", "durations": [["x"], [2.0]]}),
        CannedOsrm(raises=requests.exceptions.ReadTimeout("read timed out")),
        CannedOsrm(raises=requests.exceptions.ConnectionError("http://osrm.test/table/v1/...")),
    ],
    ids=["http-500", "invalid-query", "wrong-shape", "not-a-number", "timeout", "refused"],
)
def test_osrm_failure_falls_back_to_the_straight_line_estimate(
    adapter: CannedOsrm, caplog: pytest.LogCaptureFixture
) -> None:
    router = _router_with(adapter)
    with caplog.at_level(logging.WARNING, logger="geo.osrm"):
        table = router.table([CHURCH_ST, UVM], [SOUTH_END])
    assert table == _fallback_table()
    assert len(adapter.sent) == 1
    assert "straight-line" in caplog.text
    assert "44.4" not in caplog.text  # no coordinates in the log


def test_osrm_splits_large_tables_to_the_server_limit() -> None:
    class Counting(CannedOsrm):
        def send(self, request: requests.PreparedRequest, *args: Any, **kw: Any) -> Any:
            query = str(request.url).split("?", 1)[1]
            params = dict(p.split("=", 1) for p in query.split("&"))
            n_src = len(params["sources"].split(";"))
            n_dst = len(params["destinations"].split(";"))
            assert n_src + n_dst <= 4
            self.body = {
                "code": "Ok",
                "durations": [[float(i * 10 + j) for j in range(n_dst)] for i in range(n_src)],
            }
            return super().send(request, *args, **kw)

    adapter = Counting()
    router = _router_with(adapter, max_locations=4)
    origins = [(44.45 + i * 0.01, -73.2) for i in range(5)]
    table = router.table(origins, [SOUTH_END, CHURCH_ST, UVM])
    assert len(table) == 5 and all(len(row) == 3 for row in table)
    assert len(adapter.sent) > 1


def test_osrm_with_nothing_to_route_sends_nothing() -> None:
    adapter = CannedOsrm(body={})
    router = _router_with(adapter)
    assert router.table([], [SOUTH_END]) == []
    assert router.table([CHURCH_ST], []) == [[]]
    assert adapter.sent == []
