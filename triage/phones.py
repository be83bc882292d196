"""Phone numbers as the service stores them: E.164 ("+18025550100"), read with `phonenumbers`.

Pure: no Flask, no database. "(802) 555-0100", "802-555-0100", "802.555.0100" and "+1 802 555 0100"
are one number; without a country code a number is read in the default region (the US).
"""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "US"


class PhoneInvalid(ValueError):
    """Words that are not a phone number (or not one that can exist)."""


def e164(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """The number in E.164, or PhoneInvalid. A number that can exist by its length and country
    code is accepted even if no carrier holds it today (the 555-01xx numbers of the examples)."""
    text = raw.strip()
    if not text:
        raise PhoneInvalid("no number given")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise PhoneInvalid(str(error)) from None
    if not phonenumbers.is_possible_number(number):
        raise PhoneInvalid("not a possible phone number (check the number of digits)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def e164_or_none(raw: str | None, *, region: str = DEFAULT_REGION) -> str | None:
    """E.164 for a number given, None for no number (None or blank); PhoneInvalid otherwise."""
    if raw is None or not raw.strip():
        return None
    return e164(raw, region=region)


def phone_words(phone: str | None) -> str:
    """A stored number as people read it: "+18025550100" -> "(802) 555-0100" (the national format of
    a North American number, as the board and call page show it); any other number as stored."""
    if not phone:
        return ""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return phone
    if number.country_code != 1 or not phonenumbers.is_possible_number(number):
        return phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
