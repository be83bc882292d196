import pytest

from geo.normalize import (
    ParsedAddress,
    normalize_number,
    normalize_query_key,
    normalize_street,
    normalize_unit,
    parse_address,
    split_street,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("South Willard Street", "S WILLARD ST"),
        ("s. willard st.", "S WILLARD ST"),
        ("  S   Willard   St ", "S WILLARD ST"),
        ("North Avenue", "N AVE"),
        ("N Ave", "N AVE"),
        ("Ethan Allen Parkway", "ETHAN ALLEN PKWY"),
        ("Ethan Allen Pkwy", "ETHAN ALLEN PKWY"),
        ("Saint Paul Street", "ST PAUL ST"),
        ("St. Paul St", "ST PAUL ST"),
        ("Saint Mary's Street", "ST MARYS ST"),
        ("Lakeview Terrace", "LAKEVIEW TER"),
        ("Sandra Cir", "SANDRA CIR"),
        ("Main Boulevard", "MAIN BLVD"),
        ("Route 7 Highway", "ROUTE 7 HWY"),
        ("Lori Lane", "LORI LN"),
        ("Cayuga Ct", "CAYUGA CT"),
        ("Fairmont Place", "FAIRMONT PL"),
        ("Main Road Northeast", "MAIN RD NE"),
        ("Avenue A", "AVE A"),
    ],
)
def test_street_names_written_either_way_normalise_alike(typed: str, expected: str) -> None:
    assert normalize_street(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("6 1/2", "6 1/2"), ("6-1/2", "6 1/2"), ("6\u00bd", "6 1/2"), ("12a", "12A"), ("007", "7")],
)
def test_house_numbers(typed: str, expected: str) -> None:
    assert normalize_number(typed) == expected


def test_a_word_is_not_a_house_number() -> None:
    assert normalize_number("Main") == ""


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Apartment 2b", "APT 2B"),
        ("apt. 2", "APT 2"),
        ("#3", "# 3"),
        ("Suite 100", "STE 100"),
        ("2nd floor", "FL 2"),
        ("rear", "REAR"),
    ],
)
def test_units(typed: str, expected: str) -> None:
    assert normalize_unit(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "123 North Willard Street, Burlington, VT 05401",
            ParsedAddress("123", "N WILLARD ST", "", "BURLINGTON", "VT", "05401"),
        ),
        ("123 N. Willard St.", ParsedAddress("123", "N WILLARD ST", "", "", "", "")),
        (
            "6 1/2 Pine St Apt 2",
            ParsedAddress("6 1/2", "PINE ST", "APT 2", "", "", ""),
        ),
        ("6-1/2 Pine St #3B", ParsedAddress("6 1/2", "PINE ST", "# 3B", "", "", "")),
        (
            "Apt 4, 12 Saint Paul St, Burlington VT",
            ParsedAddress("12", "ST PAUL ST", "APT 4", "BURLINGTON", "VT", ""),
        ),
        (
            "239 S. Willard St, 2nd Floor, Burlington, Vermont 05401-1234, USA",
            ParsedAddress("239", "S WILLARD ST", "FL 2", "BURLINGTON", "VT", "05401"),
        ),
        ("12 Main Ct", ParsedAddress("12", "MAIN CT", "", "", "", "")),
        ("12 Main Ct, Hartford, CT", ParsedAddress("12", "MAIN CT", "", "HARTFORD", "CT", "")),
        ("12 Avenue A", ParsedAddress("12", "AVE A", "", "", "", "")),
        ("Church Street", ParsedAddress("", "CHURCH ST", "", "", "", "")),
        # Street names that begin like a unit designator stay street names.
        ("24 Front Street", ParsedAddress("24", "FRONT ST", "", "", "", "")),
        ("387 Flynn Ave", ParsedAddress("387", "FLYNN AVE", "", "", "", "")),
        ("1 Steele St", ParsedAddress("1", "STEELE ST", "", "", "", "")),
        ("40 Pearl St Rear", ParsedAddress("40", "PEARL ST", "REAR", "", "", "")),
    ],
)
def test_parse_address(typed: str, expected: ParsedAddress) -> None:
    assert parse_address(typed) == expected


def test_a_known_city_is_stripped_without_a_comma() -> None:
    parsed = parse_address("4 Charles Street Burlington VT", cities=["Burlington"])
    assert (parsed.street, parsed.city, parsed.state) == ("CHARLES ST", "BURLINGTON", "VT")
    # Without knowing the city, it stays in the street line rather than being guessed away.
    assert parse_address("4 Charles Street Burlington").street == "CHARLES ST BURLINGTON"


def test_split_street_keeps_a_directional_that_is_the_name() -> None:
    assert split_street("N WILLARD ST") == ("N", "WILLARD", "ST")
    assert split_street("N AVE") == ("", "N", "AVE")
    assert split_street("AVE A") == ("", "AVE A", "")


def test_the_same_address_typed_twice_gives_one_cache_key() -> None:
    assert normalize_query_key("12 Pine Street, Burlington") == normalize_query_key(" 12 pine st.,  BURLINGTON")
    assert normalize_query_key("12 Pine St") != normalize_query_key("14 Pine St")
