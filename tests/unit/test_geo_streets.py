"""Cross streets and house-number interpolation on the real Burlington data (data/streets, data/addresses)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from geopy.location import Location

from geo.local import AddressPoint, LocalGeocoder, read_address_csv
from geo.network import ChainGeocoder
from geo.normalize import CrossStreets, parse_cross_streets
from geo.streets import DEMO_INTERSECTIONS, DEMO_STREETS, IntersectionIndex, Junction, load_intersections

DATA = Path(__file__).resolve().parents[2] / "data"


def junction_row(a: str, b: str) -> tuple[float, float, str]:
    """The CSV's own figure for a pair (read straight from the file, not through the index)."""
    with open(DEMO_INTERSECTIONS, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if {row["street_a"], row["street_b"]} == {a, b}:
                return float(row["lat"]), float(row["lon"]), row["kind"]
    raise AssertionError(f"{a} & {b} is not in the file")


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dy = (a[0] - b[0]) * 111_195
    dx = (a[1] - b[1]) * 111_195 * math.cos(math.radians(a[0]))
    return math.hypot(dx, dy)


@pytest.fixture(scope="module")
def points() -> list[AddressPoint]:
    return list(read_address_csv(DATA / "addresses" / "burlington_vt.csv"))


@pytest.fixture(scope="module")
def burlington(points: list[AddressPoint]) -> LocalGeocoder:
    return LocalGeocoder(points, intersections=load_intersections())


def at(location: Location | None) -> tuple[float, float]:
    assert isinstance(location, Location)
    return location.latitude, location.longitude


# --- reading a corner -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "Pearl St & Church St",
        "Pearl and Church",
        "Pearl St at Church St",
        "corner of Pearl and Church",
        "the corner of Pearl Street and Church Street",
        "Pearl/Church",
        "Pearl @ Church",
        "pearl street & church street, Burlington, VT",
    ],
)
def test_the_ways_a_corner_is_typed_read_as_two_streets(typed: str) -> None:
    parsed = parse_cross_streets(typed, cities=["Burlington"])
    assert parsed is not None
    assert {parsed.first.split()[0], parsed.second.split()[0]} == {"PEARL", "CHURCH"}


def test_a_corner_keeps_the_town_and_normalises_like_every_street() -> None:
    assert parse_cross_streets("N Winooski Ave & Saint Paul Street, Burlington, VT", cities=["Burlington"]) == (
        CrossStreets(first="N WINOOSKI AVE", second="ST PAUL ST", city="BURLINGTON", state="VT")
    )


@pytest.mark.parametrize(
    "typed",
    ["239 South Willard Street", "6 1/2 Pine St", "12 Pearl St at Church St", "Pearl Street", "Pearl & Pearl", ""],
)
def test_an_address_or_one_street_is_not_a_corner(typed: str) -> None:
    assert parse_cross_streets(typed) is None


# --- finding the corner ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["Pearl St & Church St", "Pearl and Church", "Pearl St at Church St", "corner of Pearl and Church"]
)
def test_pearl_and_church_is_the_junction_of_the_file(burlington: LocalGeocoder, typed: str) -> None:
    lat, lon, kind = junction_row("Church Street", "Pearl Street")
    answer = burlington.find(typed)
    assert isinstance(answer, Location)
    assert kind == "meet"
    assert metres(at(answer), (lat, lon)) < 1.0
    # The README's check: Pearl Street addresses sit at 44.4803 and 44.4807, the street centre ~44.4805.
    assert 44.4803 < answer.latitude < 44.4807
    assert (answer.raw["source"], answer.raw["approximate"]) == ("intersection", False)
    assert answer.address == "Church Street & Pearl Street, Burlington, VT"


def test_church_and_main_is_beside_city_hall(burlington: LocalGeocoder) -> None:
    answer = burlington.find("Church St & Main St")
    assert metres(at(answer), junction_row("Church Street", "Main Street")[:2]) < 1.0
    assert 30 < metres(at(answer), (44.47630, -73.21282)) < 70  # City Hall, 149 Church Street, ~50 m away


def test_streets_that_only_nearly_meet_answer_approximate(burlington: LocalGeocoder) -> None:
    lat, lon, kind = junction_row("Pearl Street", "Pine Street")
    answer = burlington.find("Pearl & Pine")
    assert kind == "near"
    assert metres(at(answer), (lat, lon)) < 1.0
    assert isinstance(answer, Location)
    assert (answer.raw["source"], answer.raw["approximate"]) == ("intersection_near", True)


def test_north_or_south_union_at_pearl_is_one_corner(burlington: LocalGeocoder) -> None:
    # North and South Union Street both meet Pearl Street, 3 m apart: either is the same corner.
    answer = burlington.find("Pearl and Union")
    assert metres(at(answer), junction_row("North Union Street", "Pearl Street")[:2]) < 5


def test_a_corner_that_is_two_places_or_none_is_not_answered(burlington: LocalGeocoder) -> None:
    # Gazo Avenue meets Sandra Circle twice, 182 m apart.
    assert burlington.find("Gazo Ave & Sandra Cir") is None
    assert burlington.find("Pearl St & Nowhere St") is None
    assert burlington.find("Pearl St & North Avenue") is None  # both real, they never meet
    assert burlington.find("Church St & Main St, Winooski, VT") is None  # another town


def test_a_misspelt_street_of_a_corner_is_mended(burlington: LocalGeocoder) -> None:
    assert metres(at(burlington.find("Pearl & Chruch")), junction_row("Church Street", "Pearl Street")[:2]) < 1.0


def test_a_corner_of_streets_another_city_has_not_is_not_answered() -> None:
    elsewhere = LocalGeocoder(
        [AddressPoint("1", "Elm Street", "", "Town", "NY", "", 42.0, -75.0)], intersections=load_intersections()
    )
    assert elsewhere.find("Pearl St & Church St") is None


def test_the_index_reads_every_row_of_the_file() -> None:
    index = load_intersections()
    assert isinstance(index, IntersectionIndex) and len(index) == 746
    assert load_intersections(DATA / "streets" / "missing.csv") is None


def test_rows_of_one_pair_close_together_answer_approximate() -> None:
    index = IntersectionIndex(
        [
            Junction("A Street", "B Street", 44.0, -73.0, "near", 80),
            Junction("A Street", "B Street", 44.0005, -73.0, "near", 80),
        ]
    )
    corner = index.find("A ST", "B ST")
    assert corner is not None and corner.approximate and corner.junction.lat == 44.0


# --- interpolation ---------------------------------------------------------------------------


def point(points: list[AddressPoint], number: str, street: str) -> tuple[float, float]:
    found = [(p.lat, p.lon) for p in points if p.number == number and p.street == street]
    assert found, f"{number} {street} is not on file"
    return found[0]


def test_a_number_between_two_on_its_side_lies_between_them(
    burlington: LocalGeocoder, points: list[AddressPoint]
) -> None:
    assert burlington.geocode("238 S Willard St") is None  # no address point: geocode never guesses
    answer = burlington.find("238 S Willard St")
    assert isinstance(answer, Location)
    low, high = point(points, "232", "South Willard Street"), point(points, "246", "South Willard Street")
    share = (238 - 232) / (246 - 232)
    expected = (low[0] + (high[0] - low[0]) * share, low[1] + (high[1] - low[1]) * share)
    assert metres(at(answer), expected) < 0.1
    assert metres(at(answer), low) + metres(at(answer), high) == pytest.approx(metres(low, high), abs=0.1)
    assert answer.raw["between"] == ["232", "246"]
    assert (answer.raw["source"], answer.raw["approximate"]) == ("interpolated", True)
    assert answer.address == "238 South Willard Street, Burlington, VT 05401"


def test_a_street_with_one_side_numbered_interpolates_across_parity(
    burlington: LocalGeocoder, points: list[AddressPoint]
) -> None:
    # Simms Street has only odd numbers (13, 19, 25...): 16 lies half way from 13 to 19.
    answer = burlington.find("16 Simms St")
    assert isinstance(answer, Location) and answer.raw["between"] == ["13", "19"]
    low, high = point(points, "13", "Simms Street"), point(points, "19", "Simms Street")
    assert metres(at(answer), ((low[0] + high[0]) / 2, (low[1] + high[1]) / 2)) < 0.1


def test_no_interpolation_beyond_the_known_numbers_or_on_a_one_point_street(burlington: LocalGeocoder) -> None:
    assert burlington.find("9999 South Willard Street") is None
    assert burlington.find("1 Simms St") is None  # below 13, the lowest
    assert burlington.find("20 Dorset Lane") is None  # one address point (14)
    assert burlington.find("100 Union St") is None  # North or South Union Street?


def test_an_exact_point_is_still_the_point(burlington: LocalGeocoder) -> None:
    answer = burlington.find("239 S Willard St")
    assert isinstance(answer, Location)
    assert "source" not in answer.raw and answer.raw["match"] == "exact"


def test_the_chain_says_where_an_answer_came_from(burlington: LocalGeocoder) -> None:
    chain = ChainGeocoder(local=burlington)
    corner, between, exact = (
        chain.geocode_address(text) for text in ("Pearl St & Church St", "238 S Willard St", "239 S Willard St")
    )
    assert (corner.source, corner.resolved, corner.approximate) == ("intersection", True, False)
    assert (between.source, between.resolved, between.approximate) == ("interpolated", True, True)
    assert (exact.source, exact.resolved, exact.approximate) == ("local", True, False)


def test_the_street_layer_is_the_readme_file() -> None:
    assert DEMO_STREETS.stat().st_size == 111_898
