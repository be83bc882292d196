"""Address normalisation: turn what a caller or an operator typed into comparable parts.

Pure functions, no I/O. Both sides of a comparison (the address points and the query) go through
the same `normalize_street`, so "N Willard St." and "North Willard Street" become "N WILLARD ST".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass

log = logging.getLogger(__name__)

DIRECTIONALS: dict[str, str] = {
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "NORTHEAST": "NE",
    "NORTHWEST": "NW",
    "SOUTHEAST": "SE",
    "SOUTHWEST": "SW",
}
DIRECTIONAL_CODES = frozenset(DIRECTIONALS.values())

# Street types (USPS Publication 28 standard abbreviations) and common variants.
_SUFFIX_VARIANTS: dict[str, tuple[str, ...]] = {
    "ALY": ("ALLEY", "ALLY"),
    "AVE": ("AVENUE", "AV", "AVEN", "AVENU", "AVN", "AVNUE"),
    "BCH": ("BEACH",),
    "BLVD": ("BOULEVARD", "BOUL", "BOULV", "BLV"),
    "CIR": ("CIRCLE", "CIRC", "CIRCL", "CRCL", "CRCLE"),
    "CT": ("COURT", "CRT"),
    "DR": ("DRIVE", "DRIV", "DRV"),
    "EXPY": ("EXPRESSWAY", "EXPRESS", "EXPW", "EXPR"),
    "FWY": ("FREEWAY", "FRWY"),
    "GRN": ("GREEN",),
    "GRV": ("GROVE",),
    "HL": ("HILL",),
    "HTS": ("HEIGHTS", "HT"),
    "HWY": ("HIGHWAY", "HIWAY", "HIWY", "HWAY"),
    "LN": ("LANE",),
    "PKWY": ("PARKWAY", "PARKWY", "PKY", "PKWAY"),
    "PL": ("PLACE",),
    "PLZ": ("PLAZA", "PLZA"),
    "PT": ("POINT",),
    "RD": ("ROAD",),
    "RDG": ("RIDGE",),
    "SQ": ("SQUARE", "SQR", "SQU"),
    "ST": ("STREET", "STR", "STRT"),
    "TER": ("TERRACE", "TERR"),
    "TRL": ("TRAIL", "TRAILS", "TRLS"),
    "XING": ("CROSSING", "CRSSNG"),
}
STREET_SUFFIXES: dict[str, str] = {variant: code for code, variants in _SUFFIX_VARIANTS.items() for variant in variants}
SUFFIX_CODES = frozenset(_SUFFIX_VARIANTS) | {
    "WAY",
    "PARK",
    "LOOP",
    "ROW",
    "RUN",
    "PATH",
    "WALK",
}

# Other words that are written both ways. SAINT becomes ST, like STREET: "St Paul St" is then
# the same string whichever way each "St" was meant.
_OTHER_WORDS: dict[str, str] = {
    "SAINT": "ST",
    "MOUNT": "MT",
    "FORT": "FT",
    "FIRST": "1ST",
    "SECOND": "2ND",
    "THIRD": "3RD",
    "FOURTH": "4TH",
    "FIFTH": "5TH",
    "SIXTH": "6TH",
    "SEVENTH": "7TH",
    "EIGHTH": "8TH",
    "NINTH": "9TH",
    "TENTH": "10TH",
}

_STATE_NAMES = (
    "ALABAMA AL|ALASKA AK|ARIZONA AZ|ARKANSAS AR|CALIFORNIA CA|COLORADO CO|CONNECTICUT CT|"
    "DELAWARE DE|DISTRICT OF COLUMBIA DC|FLORIDA FL|GEORGIA GA|HAWAII HI|IDAHO ID|ILLINOIS IL|"
    "INDIANA IN|IOWA IA|KANSAS KS|KENTUCKY KY|LOUISIANA LA|MAINE ME|MARYLAND MD|"
    "MASSACHUSETTS MA|MICHIGAN MI|MINNESOTA MN|MISSISSIPPI MS|MISSOURI MO|MONTANA MT|"
    "NEBRASKA NE|NEVADA NV|NEW HAMPSHIRE NH|NEW JERSEY NJ|NEW MEXICO NM|NEW YORK NY|"
    "NORTH CAROLINA NC|NORTH DAKOTA ND|OHIO OH|OKLAHOMA OK|OREGON OR|PENNSYLVANIA PA|"
    "RHODE ISLAND RI|SOUTH CAROLINA SC|SOUTH DAKOTA SD|TENNESSEE TN|TEXAS TX|UTAH UT|"
    "VERMONT VT|VIRGINIA VA|WASHINGTON WA|WEST VIRGINIA WV|WISCONSIN WI|WYOMING WY"
)
US_STATES: dict[str, str] = {}
for _entry in _STATE_NAMES.split("|"):
    _name, _code = _entry.rsplit(" ", 1)
    US_STATES[_name] = _code
    US_STATES[_code] = _code

UNIT_DESIGNATORS: dict[str, str] = {
    "APT": "APT",
    "APARTMENT": "APT",
    "UNIT": "UNIT",
    "STE": "STE",
    "SUITE": "STE",
    "FL": "FL",
    "FLR": "FL",
    "FLOOR": "FL",
    "RM": "RM",
    "ROOM": "RM",
    "BLDG": "BLDG",
    "BUILDING": "BLDG",
    "LOT": "LOT",
    "SPC": "SPC",
    "SPACE": "SPC",
    "TRLR": "TRLR",
    "DEPT": "DEPT",
}
# Designators that take no value ("rear", "upstairs").
UNITLESS_DESIGNATORS: dict[str, str] = {
    "REAR": "REAR",
    "FRONT": "FRNT",
    "FRNT": "FRNT",
    "UPPER": "UPPR",
    "UPPR": "UPPR",
    "UPSTAIRS": "UPPR",
    "LOWER": "LOWR",
    "LOWR": "LOWR",
    "DOWNSTAIRS": "LOWR",
    "BASEMENT": "BSMT",
    "BSMT": "BSMT",
}

_UNIT_VALUE = r"([A-Z0-9]+(?:-[A-Z0-9]+)?)"
_UNIT_RE = re.compile(
    r"(?:^|\s)(?:(?:("
    + "|".join(UNIT_DESIGNATORS)
    + r")(?:\s*#\s*|\s+NO\s+|\s+|(?=\d))"
    + _UNIT_VALUE
    + r"|#\s*"
    + _UNIT_VALUE
    + r"|(\d+)(?:ST|ND|RD|TH)\s+(?:FL|FLR|FLOOR))(?=\s|$)|("
    + "|".join(UNITLESS_DESIGNATORS)
    + r")$)"
)
_NUMBER_RE = re.compile(r"^(\d+)(?:\s*-?\s*(\d/\d)|-?([A-Z]))?(?=\s|$)")
_ZIP_RE = re.compile(r"\s*\b(\d{5})(?:-\d{4})?$")
_COUNTRY_RE = re.compile(r"[\s,]*\b(?:USA|US|U S A|UNITED STATES(?: OF AMERICA)?)$")
_FRACTIONS = {"\u00bd": " 1/2", "\u00bc": " 1/4", "\u00be": " 3/4", "\u2044": "/"}


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """The parts of one typed address, each normalised ("" when absent)."""

    number: str
    street: str
    unit: str
    city: str
    state: str
    postcode: str


def _clean(text: str) -> str:
    """Upper case, unicode fractions spelled out, punctuation other than , # / - gone."""
    out = text.upper()
    for char, spelled in _FRACTIONS.items():
        out = out.replace(char, spelled)
    out = re.sub(r"['\u2019`]", "", out)
    out = re.sub(r"[^A-Z0-9,#/\- ]+", " ", out)
    return re.sub(r"\s+", " ", out).strip()


def normalize_street(text: str) -> str:
    """Normalise a street name: "North Willard Street" -> "N WILLARD ST"."""
    words = re.sub(r"[^A-Z0-9 ]+", " ", _clean(text).replace("'", "")).split()
    out = []
    for word in words:
        word = DIRECTIONALS.get(word, word)
        word = STREET_SUFFIXES.get(word, word)
        out.append(_OTHER_WORDS.get(word, word))
    return " ".join(out)


def normalize_number(text: str) -> str:
    """Normalise a house number: "6-1/2" -> "6 1/2", "12 a" -> "12A"; "" if it is none."""
    match = _NUMBER_RE.match(_clean(text).replace(",", " ").strip())
    if match is None:
        return ""
    digits, fraction, letter = match.groups()
    base = str(int(digits))
    if fraction:
        return f"{base} {fraction}"
    return base + (letter or "")


def base_number(number: str) -> str:
    """The plain number without its fraction or letter: "6 1/2" -> "6", "12A" -> "12"."""
    match = re.match(r"\d+", number)
    return match.group(0) if match else ""


def normalize_unit(text: str) -> str:
    """Normalise a unit: "Apartment 2b" -> "APT 2B", "#3" -> "# 3", "" if empty."""
    cleaned = _clean(text).replace(",", " ").strip()
    if not cleaned:
        return ""
    match = _UNIT_RE.fullmatch(" " + cleaned)
    if match is None:
        return cleaned
    return _unit_from_match(match)


def unit_value(unit: str) -> str:
    """The part of a unit that names it, without the designator: "APT 2B" -> "2B"."""
    words = unit.split()
    if len(words) >= 2 and (words[0] in UNIT_DESIGNATORS.values() or words[0] == "#"):
        return " ".join(words[1:])
    return unit


def _unit_from_match(match: re.Match[str]) -> str:
    designator, value, hash_value, floor, unitless = match.groups()
    if designator:
        return f"{UNIT_DESIGNATORS[designator]} {value}"
    if hash_value:
        return f"# {hash_value}"
    if floor:
        return f"FL {floor}"
    return UNITLESS_DESIGNATORS[unitless]


def _strip_tail(text: str, cities: Collection[str]) -> tuple[str, str, str, str]:
    """Split "..., Burlington, VT 05401" into (rest, city, state, postcode)."""
    rest = _COUNTRY_RE.sub("", text).strip(" ,")
    postcode = ""
    zip_match = _ZIP_RE.search(rest)
    if zip_match and zip_match.start() > 0:
        postcode = zip_match.group(1)
        rest = rest[: zip_match.start()].strip(" ,")
    state = ""
    known_cities = sorted((_clean(c) for c in cities if c.strip()), key=len, reverse=True)
    for name in sorted(US_STATES, key=len, reverse=True):
        if not rest.endswith(" " + name) and not rest.endswith("," + name):
            continue
        head = rest[: -len(name)].rstrip()
        # "12 Main Ct" ends in a street type that is also a state code: a two-letter state
        # must be set off by a comma, followed by a ZIP or preceded by a known city.
        city_part = head.rsplit(",", 1)[1].strip() if "," in head else ""
        set_off = head.endswith(",") or bool(postcode) or len(name) > 2
        set_off = set_off or bool(city_part and not city_part[0].isdigit())
        after_city = any(head.endswith(" " + known) for known in known_cities)
        if (set_off or after_city) and re.search(r"[A-Z]", head):
            state = US_STATES[name]
            rest = head.strip(" ,")
        break
    city = ""
    parts = [part.strip() for part in rest.split(",")]
    if len(parts) > 1 and not _NUMBER_RE.match(parts[-1]) and not _UNIT_RE.fullmatch(" " + parts[-1]):
        city = parts[-1]
        rest = ", ".join(parts[:-1])
    else:
        for known in known_cities:
            if rest.endswith(" " + known) and len(rest) > len(known) + 1:
                city = known
                rest = rest[: -len(known)].strip(" ,")
                break
    return rest, city, state, postcode


def parse_address(text: str, *, cities: Collection[str] = ()) -> ParsedAddress:
    """Split a typed address into normalised parts.

    `cities` are the city names the caller knows: they let a city be stripped when it is not
    set off by a comma ("12 Pine St Burlington VT"). Parts that are absent come back as "".
    """
    cleaned = _clean(text)
    cleaned = re.sub(r"(\d)\s*-\s*(\d/\d)", r"\1 \2", cleaned)
    rest, city, state, postcode = _strip_tail(cleaned, cities)
    unit = ""
    line_parts = []
    for part in (p.strip() for p in rest.split(",")):
        match = _UNIT_RE.search(" " + part)
        if match and not unit:
            unit = _unit_from_match(match)
            part = (" " + part)[: match.start()] + (" " + part)[match.end() :]
        if part.strip():
            line_parts.append(part.strip())
    line = " ".join(line_parts)
    number = ""
    number_match = _NUMBER_RE.match(line)
    if number_match:
        number = normalize_number(number_match.group(0))
        line = line[number_match.end() :]
    street = normalize_street(line.replace("-", " "))
    return ParsedAddress(
        number=number,
        street=street,
        unit=unit,
        city=normalize_street(city),
        state=state,
        postcode=postcode,
    )


@dataclass(frozen=True, slots=True)
class CrossStreets:
    """Two streets typed as a corner ("Pearl St & Church St"), each normalised, and the tail."""

    first: str
    second: str
    city: str
    state: str


# Between the two names: "&", "@", "+", "/", " and ", " at ", " x ". "/" between letters only
# ("6 1/2 Pine St" is a fraction); "&", "@" and "+" are words before _clean drops them.
_CROSS_SYMBOLS = str.maketrans({"&": " AND ", "@": " AT ", "+": " AND "})
_CROSS_SPLIT = re.compile(r"(?<=[A-Z])\s*/\s*(?=[A-Z])|\s+(?:AND|AT|X)\s+")
_CORNER = re.compile(r"^(?:(?:AT|ON)\s+)?(?:THE\s+)?(?:CORNER|INTERSECTION|JUNCTION|CROSSING)\s+(?:OF\s+)?")
_CROSS_HINT = re.compile(r"[&@+]|[A-Za-z]\s*/\s*[A-Za-z]|\s(?:and|at|x)\s", re.IGNORECASE)


def parse_cross_streets(text: str, *, cities: Collection[str] = ()) -> CrossStreets | None:
    """Two streets typed as a corner, or None when the text is not a corner.

    Understands "Pearl St & Church St", "Pearl and Church", "Pearl St at Church St",
    "corner of Pearl and Church", "Pearl/Church", "Pearl @ Church", each optionally followed by
    ", Burlington, VT". A part that starts with a house number ("12 Pearl St at Church") is an
    address, not a corner: None. Names are normalised like every street (`normalize_street`).
    """
    if _CROSS_HINT.search(text) is None:
        return None  # the cheap test: ordinary addresses stop here
    cleaned = _clean(text.upper().translate(_CROSS_SYMBOLS))
    rest, city, state, _postcode = _strip_tail(cleaned, cities)
    rest = _CORNER.sub("", rest.replace(",", " ").strip())
    parts = _CROSS_SPLIT.split(rest)
    if len(parts) != 2:
        return None
    names = [normalize_street(part.replace("-", " ")) for part in parts]
    for name in names:
        words = name.split()
        if not words or (words[0].isdigit() and len(words) > 1):
            return None  # "12 Pearl St": a house number, not a street name
    if names[0] == names[1]:
        return None
    return CrossStreets(first=names[0], second=names[1], city=normalize_street(city), state=state)


def split_street(street: str) -> tuple[str, str, str]:
    """Split a normalised street into (directional, name, street type).

    "N WILLARD ST" -> ("N", "WILLARD", "ST"); "N AVE" (North Avenue) -> ("", "N", "AVE");
    "AVE A" -> ("", "AVE A", "").
    """
    words = street.split()
    suffix = ""
    if len(words) >= 2 and words[-1] in SUFFIX_CODES:
        suffix = words.pop()
    directional = ""
    if len(words) >= 2 and words[0] in DIRECTIONAL_CODES:
        directional = words.pop(0)
    return directional, " ".join(words), suffix


def normalize_query_key(text: str) -> str:
    """A cache key for a typed address: the same address typed twice gives the same key."""
    parsed = parse_address(text)
    parts = [
        parsed.number,
        parsed.street,
        parsed.unit,
        parsed.city,
        parsed.state,
        parsed.postcode,
    ]
    return "|".join(parts)
