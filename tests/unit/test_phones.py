"""Caller numbers in E.164 (CONTRACT "Calls (amended)")."""

from __future__ import annotations

import pytest

from triage.phones import PhoneInvalid, e164, e164_or_none, phone_words


@pytest.mark.parametrize(
    "written",
    ["(802) 555-0100", "802-555-0100", "+18025550100", "802.555.0100", "1 802 555 0100", "+1 (802) 555-0100"],
)
def test_the_ways_people_write_one_us_number_are_one_number(written: str) -> None:
    assert e164(written) == "+18025550100"


def test_a_number_with_its_country_code_keeps_it() -> None:
    assert e164("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize("written", ["call me", "555", "12345678901234567890", "+1 802 555", "++", "ext. 4"])
def test_words_that_are_no_phone_number_are_refused(written: str) -> None:
    with pytest.raises(PhoneInvalid):
        e164(written)


def test_no_number_is_none() -> None:
    assert e164_or_none(None) is None and e164_or_none("   ") is None


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("+18025550163", "(802) 555-0163"), ("+442079460958", "+442079460958"), ("+1802555", "+1802555"),
     ("not a number", "not a number"), (None, "")],
)  # fmt: skip
def test_a_us_number_is_shown_the_way_people_write_it_any_other_as_stored(stored: str | None, shown: str) -> None:
    assert phone_words(stored) == shown
