"""The texts sent to field teams, and how many SMS segments each one costs.

SMS is unencrypted, so a dispatch text carries the minimum (DOMAIN.md "SMS to field
teams"): incident number, priority, the needs that change how the team arrives ("youth",
"Spanish"), street address or cross street, a short category, callback number, reply codes
and the signed link. `DispatchPage` has no field for a name,
a diagnosis, a risk level or substance use, and the category is filtered of such words.
The apartment or unit is left out as well: with a category it points at one person, and
the team finds it behind the link.

A dispatch text fits in `MAX_SEGMENTS` SMS segments. When it does not, fields are
shortened in this order: the reply-code hint, characters with no GSM-7 form, the address's
state and ZIP code and its street words (USPS abbreviations: "South Winooski Avenue" ->
"S Winooski Ave"), the address, the category; then category, address and callback are dropped. The incident number,
priority, the needs, the reply-code hint and the link are never dropped.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from notifications.replies import ReplyCommand
from triage import languages

log = logging.getLogger(__name__)

MAX_SEGMENTS = 2

# GSM 03.38 default alphabet: one septet each. ESC (0x1B) is left out on purpose.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: two septets each (ESC + the character).
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# Curly quotes, acute and grave accents, dashes and hyphens, ellipsis, bullet, no-break space, tab.
_LOOKALIKES = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u00b4": "'",
    "`": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u2022": "-",
    "\u00a0": " ",
    "\t": " ",
}


@dataclass(frozen=True)
class SegmentCount:
    """How a text travels: its encoding, the number of SMS segments, and its length in
    septets (GSM-7) or UTF-16 code units (UCS-2)."""

    encoding: Literal["GSM-7", "UCS-2"]
    segments: int
    units: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _pack(units: list[int], single: int, per_segment: int) -> int:
    """Segments needed, without splitting a two-unit character across two segments."""
    if sum(units) <= single:
        return 1
    segments, used = 1, 0
    for size in units:
        if used + size > per_segment:
            segments, used = segments + 1, 0
        used += size
    return segments


def count_segments(text: str) -> SegmentCount:
    """Segments as a phone network counts them: GSM-7 160 alone, 153 each in a long message;
    UCS-2 (any character outside GSM-7) 70 alone, 67 each."""
    if is_gsm7(text):
        septets = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return SegmentCount("GSM-7", _pack(septets, 160, 153), sum(septets))
    code_units = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SegmentCount("UCS-2", _pack(code_units, 70, 67), sum(code_units))


def fits(text: str, max_segments: int = MAX_SEGMENTS) -> bool:
    return count_segments(text).segments <= max_segments


def to_gsm7(text: str, *, replacement: str | None = None) -> str:
    """Swap characters with no GSM-7 form for their plain look-alike: curly quotes, dashes,
    accented letters (á → a). Characters with no look-alike are kept, or replaced by
    `replacement` when one is given."""
    out: list[str] = []
    for ch in text:
        if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
            out.append(ch)
        elif ch in _LOOKALIKES:
            out.append(_LOOKALIKES[ch])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            if base and is_gsm7(base):
                out.append(base)
            else:
                out.append(ch if replacement is None else replacement)
    return "".join(out)


def _one_line(text: str) -> str:
    """A field on one line: a field cannot add lines of its own to a text."""
    return " ".join(to_gsm7(text).split())


def _clip(text: str, limit: int) -> str:
    """Shorten to at most `limit` characters at a word boundary, marking the cut with '..'."""
    if len(text) <= limit:
        return text
    if limit < 3:
        return ""
    cut = text[: limit - 2]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-&/") + ".."


_UNIT_DETAIL = re.compile(r"[,\s]+(?:(?:apt|apartment|unit|suite|room|rm)\b\.?|#)\s*[\w-]+", re.IGNORECASE)


def street_only(address: str) -> str:
    """The address without apartment, unit, suite or room: '12 Oak St Apt 4B' → '12 Oak St'."""
    return _UNIT_DETAIL.sub("", address).strip(" ,")


_STATE_ZIP = re.compile(r"(?:,\s*|\s+)[A-Z]{2}(?:\s+\d{5}(?:-\d{4})?)?\s*$|(?:,\s*|\s+)\d{5}(?:-\d{4})?\s*$")
# USPS Publication 28 street suffixes and directionals.
_SUFFIXES = {
    "avenue": "Ave",
    "boulevard": "Blvd",
    "circle": "Cir",
    "court": "Ct",
    "drive": "Dr",
    "extension": "Ext",
    "highway": "Hwy",
    "lane": "Ln",
    "parkway": "Pkwy",
    "place": "Pl",
    "road": "Rd",
    "square": "Sq",
    "street": "St",
    "terrace": "Ter",
}
_DIRECTIONS = {"north": "N", "south": "S", "east": "E", "west": "W"}


def compact_address(address: str) -> str:
    """The address as short as it can be without losing the place: no state or ZIP code, and
    USPS abbreviations in the street part ('352 South Winooski Avenue, Burlington, VT 05401' ->
    '352 S Winooski Ave, Burlington'). A directional that is the street's name stays whole
    ('North Avenue' -> 'North Ave')."""
    parts = [part.strip() for part in _STATE_ZIP.sub("", address.strip()).split(",")]
    words = parts[0].split(" ") if parts else []
    short: list[str] = []
    for n, word in enumerate(words):
        key = word.lower().rstrip(".")
        following = words[n + 1].lower().rstrip(".") if n + 1 < len(words) else ""
        if key in _SUFFIXES and n > 0:
            short.append(_SUFFIXES[key])
        elif key in _DIRECTIONS and following and following not in _SUFFIXES:
            short.append(_DIRECTIONS[key])
        else:
            short.append(word)
    return ", ".join(part for part in [" ".join(short), *parts[1:]] if part)


_FORBIDDEN = re.compile(
    r"\b(?:risk|score|c-?ssrs|columbia|asq|diagnos\w*|schizo\w*|bipolar|psychos[ie]s|"
    r"psychotic|depress\w*|ptsd|autis\w*|dementia|overdos\w*|intoxicat\w*|drunk|alcohol\w*|"
    r"opioids?|heroin|fentanyl|meth|methamphetamine|cocaine|cannabis|marijuana|"
    r"substances?|drugs?|withdrawal|detox|naloxone|narcan|method|plan|attempts?)\b",
    re.IGNORECASE,
)


def minimum_category(category: str) -> str:
    """The category without any part that names a diagnosis, risk level, or substance use.

    Parts are separated by commas or semicolons; a part that mentions one of those is
    dropped whole, and the rest (the weapon and police information above all) is kept."""
    parts = [part.strip() for part in re.split(r"[;,]", category)]
    kept = [part for part in parts if part and not _FORBIDDEN.search(part)]
    if len(kept) < len([part for part in parts if part]):
        log.warning("dispatch category had details an SMS must not carry; they were left out")
    return ", ".join(kept)


def dispatch_category(*, concern: str, weapon_present: Literal["yes", "no", "unknown"], co_response: bool) -> str:
    """The short category of a dispatch text, e.g. 'suicidal ideation, no weapon reported'."""
    if weapon_present == "yes":
        weapon = "weapon reported"
    elif weapon_present == "unknown":
        weapon = "weapon status unknown"
    else:
        weapon = "no weapon reported"
    police = " - police co-response" if co_response else ""
    return f"{concern}, {weapon}{police}" if concern else f"{weapon}{police}"


_NATIVE_LANGUAGE = "en"  # a need only when it changes how the team arrives


def language_name(code: str) -> str:
    """The English name of an ISO 639-1 code, from the languages table ("es" -> "Spanish", never
    "español": a text names it in English); an unknown code as it is, in capitals."""
    cleaned = (code or "").strip().lower()
    found = languages.table().get(cleaned)
    return found.name if found is not None else cleaned.upper()


def dispatch_needs(*, youth: bool | None, language: str | None) -> tuple[str, ...]:
    """The needs a dispatch text names: ("youth", "Spanish"). English is no need."""
    needs: list[str] = []
    if youth:
        needs.append("youth")
    if language and language.strip() and language.strip().lower() != _NATIVE_LANGUAGE:
        needs.append(language_name(language))
    return tuple(needs)


@dataclass(frozen=True)
class DispatchPage:
    """Everything a dispatch text may say. `link` is the signed link to the incident page;
    `needs` are words such as "youth" and "Spanish" (`dispatch_needs`), never a name."""

    incident_number: str
    priority: str
    address: str
    category: str
    callback: str
    link: str
    needs: tuple[str, ...] = ()


REPLY_HINT = "Reply 1 ack, 2 en route, 3 on scene, 4 clear, 9 decline+reason"
REPLY_HINT_SHORT = "Reply 1 ack, 9 decline, HELP codes"
_MIN_FIELD = 16


@dataclass(frozen=True)
class _Draft:
    heading: str
    needs: str
    address: str
    category: str
    callback: str
    hint: str
    link: str

    def render(self) -> str:
        callback = f"Call {self.callback}" if self.callback else ""
        lines = [
            self.heading,
            self.needs,
            self.address,
            self.category,
            callback,
            self.hint,
            self.link,
        ]
        return "\n".join(line for line in lines if line)


def _clipped(draft: _Draft, field: Literal["address", "category"]) -> Iterator[_Draft]:
    """The draft with `field` clipped as little as it takes to fit, if clipping it down to
    `_MIN_FIELD` characters is enough (a binary search on the limit)."""
    value: str = getattr(draft, field)
    low, high, best = _MIN_FIELD, len(value) - 1, None
    while low <= high:
        limit = (low + high) // 2
        candidate = dataclasses.replace(draft, **{field: _clip(value, limit)})
        if fits(candidate.render()):
            best, low = candidate, limit + 1
        else:
            high = limit - 1
    if best is not None:
        yield best


def _shorter(draft: _Draft) -> Iterator[_Draft]:
    """The draft, then ever shorter versions of it, in the order fields may give way."""
    yield draft
    if draft.hint:
        draft = dataclasses.replace(draft, hint=REPLY_HINT_SHORT)
        yield draft
    if not is_gsm7(draft.render()):
        draft = dataclasses.replace(
            draft,
            address=to_gsm7(draft.address, replacement="?"),
            category=to_gsm7(draft.category, replacement="?"),
            callback=to_gsm7(draft.callback, replacement="?"),
        )
        yield draft
    compact = compact_address(draft.address)
    if compact != draft.address:
        draft = dataclasses.replace(draft, address=compact)
        yield draft
    yield from _clipped(draft, "address")
    draft = dataclasses.replace(draft, address=_clip(draft.address, _MIN_FIELD))
    yield from _clipped(draft, "category")
    draft = dataclasses.replace(draft, category="")
    yield draft
    draft = dataclasses.replace(draft, address="")
    yield draft
    yield dataclasses.replace(draft, callback="")


def _fit(draft: _Draft) -> str:
    text = draft.render()
    for candidate in _shorter(draft):
        text = candidate.render()
        if fits(text):
            return text
    log.warning("SMS needs %d segments even at its shortest", count_segments(text).segments)
    return text


def _needs_line(needs: tuple[str, ...]) -> str:
    words = [word for word in (_clip(to_gsm7(_one_line(need), replacement="?"), 24) for need in needs) if word]
    return f"Needs: {', '.join(words[:3])}" if words else ""


def _dispatch_text(page: DispatchPage, heading: str) -> str:
    draft = _Draft(
        heading=f"{heading} {_one_line(page.incident_number)} {_one_line(page.priority).upper()}",
        needs=_needs_line(page.needs),
        address=_one_line(street_only(page.address)),
        category=_one_line(minimum_category(page.category)),
        callback=_one_line(page.callback),
        hint=REPLY_HINT,
        link=page.link.strip(),
    )
    return _fit(draft)


def compose_dispatch(page: DispatchPage) -> str:
    """The dispatch text of a new assignment, at most `MAX_SEGMENTS` segments."""
    return _dispatch_text(page, "DISPATCH")


def compose_repage(page: DispatchPage) -> str:
    """The same page again, for a unit that has not acknowledged in time."""
    return _dispatch_text(page, "RE-PAGE")


def compose_checkin_request(*, incident_number: str) -> str:
    return f"CHECK-IN {_one_line(incident_number)}: reply OK if safe, SOS if you need help"


def compose_stand_down(*, incident_number: str) -> str:
    """For a unit whose assignment was cancelled or given to another unit."""
    return f"STAND DOWN {_one_line(incident_number)}: assignment cancelled, no action needed"


_CONFIRMATIONS: dict[ReplyCommand, str] = {
    ReplyCommand.ACKNOWLEDGE: "{unit} acknowledged {incident}. Reply 2 when en route",
    ReplyCommand.EN_ROUTE: "{unit} en route to {incident}. Reply 3 on scene",
    ReplyCommand.ON_SCENE: "{unit} on scene at {incident}. Reply OK at each check-in",
    ReplyCommand.CLEAR: "{unit} cleared {incident}",
    ReplyCommand.DECLINE: "{unit} declined {incident}. Dispatcher informed",
    ReplyCommand.CHECK_IN: "{unit} check-in received for {incident}",
    ReplyCommand.DURESS: "{unit} SOS received for {incident}. Dispatcher alerted",
}


def compose_reply_confirmation(*, call_sign: str, command: ReplyCommand, incident_number: str | None) -> str:
    """The answer to a status reply, in words: 'MCT-3 acknowledged C-2026-000123...'."""
    template = _CONFIRMATIONS.get(command)
    if template is None:
        raise ValueError(f"no confirmation for {command.value}")
    incident = _one_line(incident_number) if incident_number else "no assignment"
    return template.format(unit=_one_line(call_sign), incident=incident)


CODES_HELP = (
    "Codes: 1 ack, 2 en route, 3 on scene, 4 clear, 9 decline+reason, OK check-in, SOS need help, STATUS assignment"
)


def compose_codes_help(*, not_understood: bool = False) -> str:
    """The list of reply codes, sent for HELP and for any text that is not a code."""
    return f"Not understood. {CODES_HELP}" if not_understood else CODES_HELP


def compose_not_registered() -> str:
    """The answer to a number that belongs to no unit: no incident data at all."""
    return "This number is not registered with dispatch. Call your dispatcher."


def compose_status_answer(
    *,
    call_sign: str,
    unit_status: str,
    incident_number: str | None = None,
    priority: str | None = None,
    address: str | None = None,
    link: str | None = None,
) -> str:
    """The answer to STATUS: the unit's status and its current assignment, if any."""
    status = unit_status.replace("_", " ")
    heading = f"{_one_line(call_sign)}: {status}"
    if not incident_number:
        return f"{heading}, no assignment"
    assignment = " ".join(part for part in (_one_line(incident_number), _one_line(priority or "").upper()) if part)
    draft = _Draft(
        heading=f"{heading}, {assignment}",
        needs="",
        address=_one_line(street_only(address or "")),
        category="",
        callback="",
        hint="",
        link=(link or "").strip(),
    )
    return _fit(draft)


def compose_clear_without_outcome(*, call_sign: str, incident_number: str, link: str) -> str:
    """The answer to a bare `4`/`CLR`: cleared, and where to record the outcome and police."""
    return (
        f"{_one_line(call_sign)} cleared {_one_line(incident_number)}. Thank you. "
        f"Record the outcome and police yes/no: {link.strip()}"
    )


def compose_clear_needs_outcome(*, incident_number: str, choices: list[str]) -> str:
    """CLR without an outcome the incident allows: how to give one."""
    examples = ", ".join(f"4 {choice}" for choice in choices[:4])
    return f"To clear {_one_line(incident_number)} add the outcome, e.g. {examples}; or clear on the link page"


def compose_cannot_now(*, call_sign: str, command: ReplyCommand, incident_number: str | None, status: str) -> str:
    """A reply code that does not fit the incident's state now."""
    what = command.value.replace("_", " ")
    incident = _one_line(incident_number) if incident_number else "no assignment"
    return f"{_one_line(call_sign)}: cannot {what} now, {incident} is {status.replace('_', ' ')}"
