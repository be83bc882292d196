"""The texts field teams get: what they say, what they never say, and what they cost."""

from __future__ import annotations

import dataclasses

import pytest

from notifications.content import (
    MAX_SEGMENTS,
    DispatchPage,
    compact_address,
    compose_checkin_request,
    compose_clear_without_outcome,
    compose_codes_help,
    compose_dispatch,
    compose_not_registered,
    compose_repage,
    compose_reply_confirmation,
    compose_stand_down,
    compose_status_answer,
    count_segments,
    dispatch_category,
    dispatch_needs,
    language_name,
    street_only,
    to_gsm7,
)
from notifications.replies import ReplyCommand

LINK = "https://dispatch.example.org/field/eyJpbmNpZGVudCI6MTIzLCJ1bml0Ijo3fQ.ZqK3vA.Xr9mQd2c8LkPz1"
PAGE = DispatchPage(
    incident_number="C-2026-000123",
    priority="emergent",
    address="1200 Oak St Apt 4B, Eugene",
    category="suicidal ideation, no weapon reported",
    callback="+15415550100",
    link=LINK,
)
LONG_ADDRESS = (
    "4417 North Willamette Boulevard Frontage Road between West Eighteenth Avenue and "
    "Chambers Street, Bethel-Danebo Neighborhood, Eugene, Lane County, Oregon 97402"
)


# --- segment counting -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "segments", "units"),
    [
        ("a" * 160, "GSM-7", 1, 160),
        ("a" * 161, "GSM-7", 2, 161),
        ("a" * 306, "GSM-7", 2, 306),
        ("a" * 307, "GSM-7", 3, 307),
        ("€" * 80, "GSM-7", 1, 160),  # the extension table costs two septets a character
        ("€" * 81, "GSM-7", 2, 162),
        ("[x]" * 32, "GSM-7", 1, 160),
        ("Café Ñandu, 5 €", "GSM-7", 1, 16),
        ("ü" * 160, "GSM-7", 1, 160),
        ("á" * 70, "UCS-2", 1, 70),
        ("á" * 71, "UCS-2", 2, 71),
        ("á" * 134, "UCS-2", 2, 134),
        ("á" * 135, "UCS-2", 3, 135),
        ("🙂" * 35, "UCS-2", 1, 70),  # outside the BMP: two UTF-16 code units each
        ("🙂" * 36, "UCS-2", 2, 72),
    ],
)
def test_count_segments(text: str, encoding: str, segments: int, units: int) -> None:
    count = count_segments(text)
    assert (count.encoding, count.segments, count.units) == (encoding, segments, units)


def test_an_escape_pair_is_never_split_across_segments() -> None:
    # 152 plain septets then '€' (2): the pair would straddle the 153-septet boundary, so
    # the first segment carries 152 and the message needs one segment more than 154/153.
    text = "a" * 152 + "€" + "a" * 152
    assert count_segments(text).units == 306
    assert count_segments(text).segments == 3


def test_one_character_outside_gsm7_turns_the_whole_text_into_ucs2() -> None:
    assert count_segments("a" * 100).segments == 1
    assert count_segments("a" * 99 + "北").segments == 2


def test_look_alikes_keep_a_text_in_gsm7() -> None:
    curly = "\u201cSmith\u2019s\u201d \u2013 Rd\u2026 Jos\u00e9 N\u00fa\u00f1ez"
    # Curly quotes, the dash and the ellipsis become plain; \u00fa loses its accent; \u00e9
    # and \u00f1 are GSM-7 already.
    assert to_gsm7(curly) == '"Smith\'s" - Rd... Jos\u00e9 Nu\u00f1ez'
    assert to_gsm7("\u5317\u4eac\u8def", replacement="?") == "???"


# --- the dispatch text ------------------------------------------------------------------------


def test_the_dispatch_text_says_what_a_team_needs() -> None:
    text = compose_dispatch(PAGE)

    assert text.splitlines()[0] == "DISPATCH C-2026-000123 EMERGENT"
    assert "1200 Oak St, Eugene" in text
    assert "suicidal ideation, no weapon reported" in text
    assert "+15415550100" in text
    assert "Reply 1 ack, 2 en route, 3 on scene, 4 clear, 9 decline" in text
    assert text.splitlines()[-1] == LINK
    assert count_segments(text).segments <= MAX_SEGMENTS


# A real field link: https + a county's host + /field/ + the signed token of incident 123456, unit 1234.
REAL_LINK = "https://crisis.burlingtonvt.gov/field/eyJpIjoxMjM0NTYsInUiOjEyMzR9.aw7YrQ.r-hG7yo8h4JDUIfXILOyLbU_IBI"
# The longest address label of data/addresses, the longest category dispatch_category writes.
LONGEST_REALISTIC = DispatchPage(
    incident_number="I-2026-123456",
    priority="emergent",
    address="352 1/2 South Winooski Avenue, Burlington, VT 05401",
    category="suicidal ideation, weapon status unknown - police co-response",
    callback="+18025550100",
    link=REAL_LINK,
    needs=("youth", "Spanish"),
)


def test_the_needs_that_change_how_the_team_arrives_are_in_the_text() -> None:
    page = dataclasses.replace(PAGE, needs=dispatch_needs(youth=True, language="es"))

    text = compose_dispatch(page)

    assert text.splitlines()[:2] == ["DISPATCH C-2026-000123 EMERGENT", "Needs: youth, Spanish"]
    assert count_segments(text).encoding == "GSM-7"


def test_the_longest_realistic_dispatch_keeps_needs_address_and_category_in_two_segments() -> None:
    for compose in (compose_dispatch, compose_repage):
        text = compose(LONGEST_REALISTIC)

        count = count_segments(text)
        assert (count.encoding, count.segments) == ("GSM-7", 2), text
        lines = text.splitlines()
        assert lines[1:4] == [
            "Needs: youth, Spanish",
            "352 1/2 S Winooski Ave, Burlington",
            "suicidal ideation, weapon status unknown - police co-response",
        ]
        assert lines[-1] == REAL_LINK
        assert "+18025550100" in text and "Reply 1 ack" in text


def test_a_longer_language_name_still_fits_and_keeps_the_street() -> None:
    text = compose_dispatch(dataclasses.replace(LONGEST_REALISTIC, needs=("youth", "Haitian Creole")))

    assert count_segments(text).segments == 2
    assert "Needs: youth, Haitian Creole" in text.splitlines()
    assert "352 1/2 S Winooski" in text and "weapon status unknown" in text


def test_needs_survive_a_text_that_must_give_up_its_address_and_category() -> None:
    page = dataclasses.replace(LONGEST_REALISTIC, address=LONG_ADDRESS * 2, link=REAL_LINK + "X" * 40)

    text = compose_dispatch(page)

    assert count_segments(text).segments <= MAX_SEGMENTS
    assert "Needs: youth, Spanish" in text and text.endswith(page.link)


@pytest.mark.parametrize(
    ("address", "compact"),
    [
        ("352 1/2 South Winooski Avenue, Burlington, VT 05401", "352 1/2 S Winooski Ave, Burlington"),
        ("375 North Avenue, Burlington, VT 05401", "375 North Ave, Burlington"),
        ("12 Oak Street, South Burlington", "12 Oak St, South Burlington"),
        ("Pearl Street & Church Street", "Pearl St & Church St"),
        ("1200 Oak St, Eugene, OR 97402-1234", "1200 Oak St, Eugene"),
    ],
)
def test_compact_address(address: str, compact: str) -> None:
    assert compact_address(address) == compact


@pytest.mark.parametrize(
    ("youth", "language", "needs"),
    [
        (True, "es", ("youth", "Spanish")),
        (False, "es", ("Spanish",)),
        (True, None, ("youth",)),
        (None, "en", ()),  # English changes nothing about how a team arrives
        (False, " FR ", ("French",)),
        (None, "xx", ("XX",)),  # a code with no name here is still named
    ],
)
def test_dispatch_needs(youth: bool | None, language: str | None, needs: tuple[str, ...]) -> None:
    assert dispatch_needs(youth=youth, language=language) == needs


def test_language_names_are_english_and_gsm7() -> None:
    assert language_name("es") == "Spanish"
    assert all(count_segments(name).encoding == "GSM-7" for name in map(language_name, ("es", "zh", "ht", "vi")))


def test_a_bare_clear_is_answered_with_the_link_to_record_the_outcome() -> None:
    text = compose_clear_without_outcome(call_sign="MCT-3", incident_number="I-2026-123456", link=REAL_LINK)

    assert text.startswith("MCT-3 cleared I-2026-123456.")
    assert "Record the outcome" in text and text.endswith(REAL_LINK)
    assert count_segments(text).segments <= MAX_SEGMENTS


def test_the_apartment_is_left_out_of_the_sms() -> None:
    assert "4B" not in compose_dispatch(PAGE)
    assert street_only("12 Oak St, Unit 7") == "12 Oak St"
    assert street_only("12 Oak St #7, Eugene") == "12 Oak St, Eugene"
    assert street_only("88 Unity Rd") == "88 Unity Rd"


def test_a_long_address_is_shortened_to_fit_two_segments() -> None:
    text = compose_dispatch(dataclasses.replace(PAGE, address=LONG_ADDRESS))

    assert count_segments(text).segments <= MAX_SEGMENTS
    address_line = text.splitlines()[1]
    assert address_line.startswith("4417 N Willamette Blvd")  # USPS abbreviations first
    assert address_line.endswith("..")
    for kept in ("C-2026-000123", "EMERGENT", "no weapon reported", "Reply 1 ack", LINK):
        assert kept in text


def test_a_unicode_address_that_cannot_fit_is_sent_in_gsm7() -> None:
    page = dataclasses.replace(PAGE, address="北京路 " * 12 + "1200")

    text = compose_dispatch(page)

    assert count_segments(text).segments <= MAX_SEGMENTS
    assert count_segments(text).encoding == "GSM-7"
    assert LINK in text and "C-2026-000123" in text


def test_even_a_huge_link_keeps_number_priority_codes_and_link() -> None:
    link = "https://dispatch.example.org/field/" + "A" * 200
    text = compose_dispatch(dataclasses.replace(PAGE, address=LONG_ADDRESS, link=link))

    assert count_segments(text).segments <= MAX_SEGMENTS
    assert text.startswith("DISPATCH C-2026-000123 EMERGENT")
    assert "Reply 1 ack" in text
    assert text.endswith(link)


def test_the_sms_carries_no_risk_level_diagnosis_or_substance_use() -> None:
    page = dataclasses.replace(
        PAGE,
        category=(
            "suicidal ideation, high risk, C-SSRS 5, bipolar diagnosis, intoxicated, "
            "weapon status unknown - police co-response"
        ),
    )

    text = compose_dispatch(page).lower()

    for forbidden in ("risk", "c-ssrs", "bipolar", "diagnosis", "intoxicated"):
        assert forbidden not in text
    assert "suicidal ideation, weapon status unknown - police co-response" in text


def test_a_dispatch_page_has_no_field_for_personal_details() -> None:
    fields = {field.name for field in dataclasses.fields(DispatchPage)}
    assert fields == {"incident_number", "priority", "address", "category", "callback", "link", "needs"}


def test_a_field_cannot_add_lines_of_its_own() -> None:
    text = compose_dispatch(dataclasses.replace(PAGE, address="12 Oak St\nReply 4 to clear"))
    assert "12 Oak St Reply 4 to clear" in text.splitlines()


@pytest.mark.parametrize(
    ("weapon", "co_response", "expected"),
    [
        ("no", False, "suicidal ideation, no weapon reported"),
        ("unknown", False, "suicidal ideation, weapon status unknown"),
        ("yes", True, "suicidal ideation, weapon reported - police co-response"),
    ],
)
def test_dispatch_category(weapon: str, co_response: bool, expected: str) -> None:
    assert (
        dispatch_category(
            concern="suicidal ideation",
            weapon_present=weapon,  # type: ignore[arg-type]
            co_response=co_response,
        )
        == expected
    )


def test_a_repage_says_so() -> None:
    text = compose_repage(PAGE)
    assert text.startswith("RE-PAGE C-2026-000123 EMERGENT")
    assert LINK in text and count_segments(text).segments <= MAX_SEGMENTS


# --- the other texts ----------------------------------------------------------------------------


def test_confirmations_say_in_words_what_happened() -> None:
    def confirm(command: ReplyCommand) -> str:
        return compose_reply_confirmation(call_sign="MCT-3", command=command, incident_number="C-2026-000123")

    assert confirm(ReplyCommand.ACKNOWLEDGE).startswith("MCT-3 acknowledged C-2026-000123")
    assert confirm(ReplyCommand.EN_ROUTE).startswith("MCT-3 en route to C-2026-000123")
    assert confirm(ReplyCommand.ON_SCENE).startswith("MCT-3 on scene at C-2026-000123")
    assert confirm(ReplyCommand.CLEAR) == "MCT-3 cleared C-2026-000123"
    assert confirm(ReplyCommand.DECLINE).startswith("MCT-3 declined C-2026-000123")
    assert "check-in received" in confirm(ReplyCommand.CHECK_IN)
    assert "Dispatcher alerted" in confirm(ReplyCommand.DURESS)
    with pytest.raises(ValueError):
        confirm(ReplyCommand.UNKNOWN)


def test_a_checkin_request_asks_for_ok() -> None:
    text = compose_checkin_request(incident_number="C-2026-000123")
    assert "C-2026-000123" in text and "reply OK" in text and "SOS" in text


def test_the_codes_list_names_every_code_in_one_segment() -> None:
    text = compose_codes_help(not_understood=True)
    assert text.startswith("Not understood.")
    for code in (
        "1 ack",
        "2 en route",
        "3 on scene",
        "4 clear",
        "9 decline",
        "OK",
        "SOS",
        "STATUS",
    ):
        assert code in text
    assert count_segments(text).segments == 1


def test_status_answers_with_or_without_an_assignment() -> None:
    assert compose_status_answer(call_sign="MCT-3", unit_status="available") == "MCT-3: available, no assignment"
    text = compose_status_answer(
        call_sign="MCT-3",
        unit_status="en_route",
        incident_number="C-2026-000123",
        priority="urgent",
        address=LONG_ADDRESS + " Apt 9",
        link=LINK,
    )
    assert text.startswith("MCT-3: en route, C-2026-000123 URGENT")
    assert text.endswith(LINK)
    assert "Apt 9" not in text
    assert count_segments(text).segments <= MAX_SEGMENTS


def test_stand_down_and_not_registered_carry_no_incident_details() -> None:
    assert "C-2026-000123" in compose_stand_down(incident_number="C-2026-000123")
    assert "not registered" in compose_not_registered()
