import io
import random
from collections import defaultdict
from pathlib import Path

import pytest
from geopy.location import Location

from geo.local import AddressFileError, AddressPoint, LocalGeocoder, read_address_csv

ADDRESSES = Path(__file__).resolve().parents[2] / "data" / "addresses" / "burlington_vt.csv"
HEADER = "number,street,unit,city,state,postcode,lat,lon\n"


@pytest.fixture(scope="module")
def points() -> list[AddressPoint]:
    return list(read_address_csv(ADDRESSES))


@pytest.fixture(scope="module")
def burlington(points: list[AddressPoint]) -> LocalGeocoder:
    return LocalGeocoder(points)


def found(geocoder: LocalGeocoder, text: str) -> Location:
    answer = geocoder.geocode(text)
    assert isinstance(answer, Location), f"{text!r} was not found"
    return answer


def test_the_whole_city_is_read(points: list[AddressPoint]) -> None:
    assert len(points) == 12_048
    assert points[0] == AddressPoint("375", "North Avenue", "", "Burlington", "VT", "05401", 44.4912597, -73.2284031)


def test_exact_address(burlington: LocalGeocoder) -> None:
    answer = found(burlington, "239 South Willard Street")
    assert (answer.latitude, answer.longitude) == (44.4734083, -73.2054048)
    assert answer.address == "239 South Willard Street, Burlington, VT 05401"
    assert answer.raw["confidence"] == 1.0
    assert answer.raw["match"] == "exact"
    assert (answer.raw["number"], answer.raw["street"], answer.raw["postcode"]) == (
        "239",
        "South Willard Street",
        "05401",
    )


def test_abbreviated_address(burlington: LocalGeocoder) -> None:
    answer = found(burlington, "144 N Willard St")
    assert answer.address.startswith("144 North Willard Street")
    assert answer.raw["match"] == "exact"


def test_misspelt_street(burlington: LocalGeocoder) -> None:
    answer = found(burlington, "239 S Wilard Stret")
    assert answer.address.startswith("239 South Willard Street")
    assert answer.raw["match"] == "fuzzy"
    assert 0.75 <= answer.raw["confidence"] < 1.0


def test_unit_number_falls_back_to_the_building(burlington: LocalGeocoder) -> None:
    answer = found(burlington, "239 S Willard St Apt 2")
    assert answer.address.startswith("239 South Willard Street")
    assert answer.raw["fallback"] == "unit"
    assert answer.raw["confidence"] == 0.95


def test_city_state_and_zip_are_understood(burlington: LocalGeocoder) -> None:
    for text in ("239 S Willard St, Burlington, VT 05401", "239 S Willard St Burlington VT"):
        assert found(burlington, text).raw["confidence"] == 1.0


def test_another_town_is_not_answered_from_this_one(burlington: LocalGeocoder) -> None:
    assert burlington.geocode("239 S Willard St, Winooski, VT") is None
    assert burlington.geocode("239 S Willard St, Burlington, NY") is None


def test_unknown_address_is_none(burlington: LocalGeocoder) -> None:
    assert burlington.geocode("9999 South Willard Street") is None
    assert burlington.geocode("12 Nowhere Boulevard") is None
    assert burlington.geocode("South Willard Street") is None  # no house number
    assert burlington.geocode("") is None


def test_a_near_miss_number_never_answers_another_house(burlington: LocalGeocoder) -> None:
    # 238 is not on file: its neighbour 239 must not be answered, nor 238 of a similar street.
    assert burlington.geocode("238 S Willard St") is None
    assert burlington.geocode("238 S Wilard St") is None


def test_a_fraction_or_letter_is_its_own_house(burlington: LocalGeocoder) -> None:
    assert found(burlington, "21 1/2 Nash Pl").latitude == 44.4845498
    assert found(burlington, "21 Nash Pl").latitude == 44.4840812
    assert found(burlington, "9A Crombie St").raw["match"] == "exact"
    # A plain number does not answer with the fractional building ...
    assert burlington.geocode("23 Monroe St") is None
    # ... but a fraction not on file falls back to its lot's plain number, less sure.
    back = found(burlington, "21 3/4 Nash Place")
    assert back.latitude == 44.4840812
    assert (back.raw["match"], back.raw["fallback"], back.raw["confidence"]) == (
        "fuzzy",
        "number",
        0.85,
    )


def test_a_street_that_could_be_north_or_south_is_not_guessed(burlington: LocalGeocoder) -> None:
    # 100 North Union and 100 South Union are 630 m apart.
    assert burlington.geocode("100 Union St") is None
    assert found(burlington, "100 S Union St").latitude == 44.4777395


def test_reverse_gives_the_nearest_point(burlington: LocalGeocoder) -> None:
    # 5 m east of 239 South Willard Street.
    answer = burlington.reverse((44.4734083, -73.2053420))
    assert isinstance(answer, Location)
    assert answer.address.startswith("239 South Willard Street")
    assert 4 < answer.raw["distance_m"] < 6
    nearest = burlington.reverse("44.4734083, -73.2053420", exactly_one=False)
    assert isinstance(nearest, list) and len(nearest) == 5
    distances = [location.raw["distance_m"] for location in nearest]
    assert distances == sorted(distances)


def test_reverse_far_from_any_point_is_none(burlington: LocalGeocoder) -> None:
    assert burlington.reverse((44.60, -73.10)) is None


@pytest.mark.slow  # a full scan per point
def test_reverse_agrees_with_a_full_scan(points: list[AddressPoint]) -> None:
    geocoder = LocalGeocoder(points, reverse_max_m=5_000)
    rng = random.Random(7)
    for _ in range(200):
        lat, lon = rng.uniform(44.45, 44.53), rng.uniform(-73.28, -73.18)
        answer = geocoder.reverse((lat, lon))
        assert isinstance(answer, Location)
        best = min(points, key=lambda p: (p.lat - lat) ** 2 + ((p.lon - lon) * 0.714) ** 2)
        assert (answer.latitude, answer.longitude) == (best.lat, best.lon)


def test_units_on_file_are_told_apart() -> None:
    geocoder = LocalGeocoder(
        [
            AddressPoint("10", "Main Street", "Apt 1", "Town", "VT", "", 44.0, -73.0),
            AddressPoint("10", "Main Street", "Apt 2", "Town", "VT", "", 44.0001, -73.0),
        ]
    )
    assert found(geocoder, "10 Main St #2").latitude == 44.0001
    assert found(geocoder, "10 Main St Unit 1").latitude == 44.0
    assert found(geocoder, "10 Main St").raw["fallback"] == "unit"


ABBREVIATIONS = {
    "Street": "St",
    "Avenue": "Ave",
    "Road": "Rd",
    "Drive": "Dr",
    "Lane": "Ln",
    "Court": "Ct",
    "Place": "Pl",
    "Terrace": "Ter",
    "Parkway": "Pkwy",
    "Circle": "Cir",
    "North": "N",
    "South": "S",
    "East": "E",
    "West": "W",
    "Saint": "St",
}


def misspell(street: str, rng: random.Random) -> str:
    """One abbreviation or one typing slip in a street name."""
    words = street.split()
    short = [i for i, word in enumerate(words) if word in ABBREVIATIONS]
    if short and rng.random() < 0.5:
        i = rng.choice(short)
        words[i] = ABBREVIATIONS[words[i]]
        return " ".join(words)
    i = rng.choice([i for i, word in enumerate(words) if len(word) >= 4] or [0])
    word = words[i]
    at = rng.randrange(len(word))
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    kind = rng.choice(("drop", "add", "swap", "replace"))
    if kind == "drop":
        word = word[:at] + word[at + 1 :]
    elif kind == "add":
        word = word[:at] + letter + word[at:]
    elif kind == "swap" and at < len(word) - 1:
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    else:
        word = word[:at] + letter + word[at + 1 :]
    words[i] = word
    return " ".join(words)


def test_acceptance_on_1000_sampled_addresses(
    points: list[AddressPoint], burlington: LocalGeocoder, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(20240611)
    sample = rng.sample(points, 1000)
    places: dict[tuple[str, str], set[tuple[float, float]]] = defaultdict(set)
    for p in points:
        places[(p.number, p.street)].add((p.lat, p.lon))

    def outcome(text: str, truth: AddressPoint) -> str:
        answer = burlington.geocode(text)
        if answer is None:
            return "unresolved"
        assert isinstance(answer, Location)
        right = (answer.latitude, answer.longitude) in places[(truth.number, truth.street)]
        return "right" if right else "wrong"

    exact = [outcome(f"{p.number} {p.street}", p) for p in sample]
    slipped = [outcome(f"{p.number} {misspell(p.street, rng)}", p) for p in sample]
    exact_rate = exact.count("right") / len(exact)
    slipped_rate = slipped.count("right") / len(slipped)
    with capsys.disabled():
        print(
            f"\ngeocode acceptance, 1000 sampled addresses: exact {exact_rate:.1%} right "
            f"({exact.count('wrong')} wrong, {exact.count('unresolved')} unresolved); "
            f"one typo or abbreviation {slipped_rate:.1%} right "
            f"({slipped.count('wrong')} wrong, {slipped.count('unresolved')} unresolved)"
        )
    assert exact_rate >= 0.99
    assert slipped_rate >= 0.90
    assert exact.count("wrong") == 0
    assert slipped.count("wrong") <= 10  # a wrong house is worse than none: at most 1%


def test_address_file_with_bad_rows_names_every_bad_line() -> None:
    text = (
        HEADER
        + "1,Main Street,,Town,VT,,44.0,-73.0\n"
        + ",Main Street,,Town,VT,,44.0,-73.0\n"
        + "2,Main Street,,Town,VT,,north,-73.0\n"
        + "3,Main Street,,Town,VT,,95.0,-73.0\n"
        + "4,,,Town,VT,,44.0,-73.0\n"
        + "5,Main Street,,Town,VT\n"
    )
    with pytest.raises(AddressFileError) as error:
        read_address_csv(io.StringIO(text))
    assert [line for line, _ in error.value.problems] == [3, 4, 5, 6, 7]
    assert "line 4: lat/lon 'north'" in str(error.value)


def test_address_file_without_the_columns_is_refused() -> None:
    with pytest.raises(AddressFileError, match="missing columns lat, lon"):
        read_address_csv(io.StringIO("number,street,unit,city,state,postcode\n1,A St,,T,VT,\n"))


def test_address_file_columns_in_any_order_with_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "town.csv"
    path.write_text(
        "\ufefflat,lon,number,street,unit,city,state,postcode\n44.1,-73.1,7,Elm St,,Town,VT,\n",
        encoding="utf-8",
    )
    assert list(read_address_csv(path)) == [AddressPoint("7", "Elm St", "", "Town", "VT", "", 44.1, -73.1)]
