from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from geopy.adapters import AdapterHTTPError, BaseSyncAdapter
from geopy.exc import GeocoderNotFound, GeocoderTimedOut

from geo.local import AddressPoint, LocalGeocoder
from geo.network import ChainGeocoder, GeocodeAnswer, MemoryGeocodeCache, build_geocoder

PEARL = {
    "place_id": 1,
    "lat": "44.4794",
    "lon": "-73.2140",
    "display_name": "12, Pearl Street, Burlington, Chittenden County, Vermont, 05401, USA",
    "class": "place",
    "type": "house",
    "addresstype": "place",
}
TOWN = {
    "place_id": 2,
    "lat": "44.4759",
    "lon": "-73.2121",
    "display_name": "Burlington, Chittenden County, Vermont, USA",
    "class": "boundary",
    "type": "administrative",
    "addresstype": "city",
}


class CannedNominatim(BaseSyncAdapter):  # type: ignore[misc]
    """geopy's adapter seam: answers Nominatim's /search with canned JSON, records each request."""

    answers: dict[str, Any] = {}
    failure: Exception | None = None
    requests: list[dict[str, list[str]]] = []

    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        params = parse_qs(urlparse(url).query)
        type(self).requests.append(params)
        assert headers["User-Agent"] == "crisis-dispatch-tests"
        failure = type(self).failure
        if failure is not None:
            raise failure
        return type(self).answers.get(params["q"][0], [])

    def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
        raise AssertionError("Nominatim asks for JSON")


@pytest.fixture
def nominatim() -> type[CannedNominatim]:
    CannedNominatim.answers = {"12 Pearl St, Burlington VT": [PEARL], "Burlington": [TOWN]}
    CannedNominatim.failure = None
    CannedNominatim.requests = []
    return CannedNominatim


@pytest.fixture
def local() -> LocalGeocoder:
    return LocalGeocoder([AddressPoint("239", "South Willard Street", "", "Burlington", "VT", "05401", 44.47, -73.2)])


def chain(local: LocalGeocoder | None, cache: MemoryGeocodeCache | None) -> ChainGeocoder:
    return build_geocoder(
        "nominatim",
        user_agent="crisis-dispatch-tests",
        cache=cache,
        local=local,
        min_delay_seconds=0.0,
        error_wait_seconds=0.0,
        max_retries=1,
        adapter_factory=CannedNominatim,
    )


def test_local_points_answer_first(nominatim: type[CannedNominatim], local: LocalGeocoder) -> None:
    answer = chain(local, MemoryGeocodeCache()).geocode_address("239 S Willard St")
    assert answer == GeocodeAnswer(
        address="239 South Willard Street, Burlington, VT 05401",
        lat=44.47,
        lon=-73.2,
        confidence=1.0,
        source="local",
        resolved=True,
    )
    assert nominatim.requests == []


def test_the_service_answers_what_local_does_not_and_is_cached(
    nominatim: type[CannedNominatim], local: LocalGeocoder
) -> None:
    cache = MemoryGeocodeCache()
    geocoder = chain(local, cache)
    first = geocoder.geocode_address("12 Pearl St, Burlington VT")
    assert (first.source, first.resolved, first.lat, first.lon) == (
        "nominatim",
        True,
        44.4794,
        -73.214,
    )
    assert first.address.startswith("12, Pearl Street")
    assert first.confidence == 0.9
    assert nominatim.requests[0]["q"] == ["12 Pearl St, Burlington VT"]
    # The same address typed a little differently is answered from the cache, not the service.
    again = geocoder.geocode_address("12 pearl street,  Burlington, VT")
    assert (again.source, again.lat, again.lon, again.resolved) == ("cache", 44.4794, -73.214, True)
    assert len(nominatim.requests) == 1


def test_not_found_is_unresolved_and_remembered(nominatim: type[CannedNominatim], local: LocalGeocoder) -> None:
    geocoder = chain(local, MemoryGeocodeCache())
    answer = geocoder.geocode_address("1 Nowhere Road")
    assert answer == GeocodeAnswer.unresolved("1 Nowhere Road", source="nominatim")
    assert geocoder.geocode_address("1 Nowhere Road").source == "cache"
    assert len(nominatim.requests) == 1


def test_a_town_centre_is_not_an_address(nominatim: type[CannedNominatim]) -> None:
    answer = chain(None, None).geocode_address("Burlington")
    assert (answer.resolved, answer.lat, answer.address) == (False, None, "Burlington")


@pytest.mark.parametrize(
    "failure",
    [
        AdapterHTTPError("busy", status_code=503, headers={}, text="busy"),
        AdapterHTTPError("slow down", status_code=429, headers={}, text=""),
        GeocoderTimedOut("timed out"),
    ],
)
def test_service_errors_are_unresolved_never_raised_nor_cached(
    nominatim: type[CannedNominatim], failure: Exception
) -> None:
    nominatim.failure = failure
    cache = MemoryGeocodeCache()
    answer = chain(None, cache).geocode_address("12 Pearl St, Burlington VT")
    assert (answer.resolved, answer.source, answer.address) == (
        False,
        "nominatim",
        "12 Pearl St, Burlington VT",
    )
    assert len(nominatim.requests) == 2  # one retry
    assert cache.answers == {}
    nominatim.failure = None  # the service is back: the address is asked again
    assert chain(None, cache).geocode_address("12 Pearl St, Burlington VT").resolved


def test_local_setting_never_uses_the_network(local: LocalGeocoder) -> None:
    geocoder = build_geocoder("local", user_agent="crisis-dispatch-tests", cache=None, local=local)
    assert geocoder.geocode_address("239 South Willard Street").resolved
    unknown = geocoder.geocode_address("12 Pearl St")
    assert (unknown.resolved, unknown.source) == (False, "local")
    assert geocoder.geocode_address("   ").resolved is False


def test_unknown_service_name_is_refused() -> None:
    with pytest.raises(GeocoderNotFound):
        build_geocoder("nosuchservice", user_agent="crisis-dispatch-tests", cache=None, local=None)


def test_google_takes_its_api_key_from_the_options() -> None:
    geocoder = build_geocoder("google", user_agent="crisis-dispatch-tests", cache=None, local=None, api_key="k-123")
    assert geocoder.service == "google"


def test_reverse_position_names_the_nearest_address(local: LocalGeocoder) -> None:
    geocoder = build_geocoder("local", user_agent="t", cache=None, local=local)
    near = geocoder.reverse_position(44.4701, -73.2)
    assert near.address.startswith("239 South Willard Street")
    assert (near.lat, near.lon) == (44.4701, -73.2)  # the position itself is kept
    far = geocoder.reverse_position(45.0, -72.0)
    assert (far.address, far.confidence) == ("45.000000, -72.000000", 0.0)
