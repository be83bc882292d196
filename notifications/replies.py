"""Reply codes a field team texts back, read from an inbound SMS body.

Codes (DOMAIN.md, case-insensitive, extra words allowed): `1`/`ACK` acknowledge,
`2`/`ENR` en route, `3`/`ONS` on scene, `4`/`CLR` clear, `9`/`DECLINE <reason>` decline,
`OK` safety check-in, `SOS` duress, `STATUS` current assignment. Anything else is unknown
and gets the list of codes back.

Twilio's own keywords are read the way Twilio reads them: an opt-out (STOP, STOPALL,
UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT) or opt-in (START, UNSTOP, YES) counts only
when it is the whole message, since only then does Twilio block or unblock the number.
"CANCEL" alone is an opt-out; "cancel that, en route" is not, and is unknown here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class ReplyCommand(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    CLEAR = "clear"
    DECLINE = "decline"
    CHECK_IN = "check_in"
    DURESS = "duress"
    STATUS = "status"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Reply:
    """What a text asks for. `argument` holds the words after the code (a decline reason)."""

    command: ReplyCommand
    argument: str | None = None


OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP", "YES"})

_CODES: dict[str, ReplyCommand] = {
    "1": ReplyCommand.ACKNOWLEDGE,
    "ACK": ReplyCommand.ACKNOWLEDGE,
    "ACKNOWLEDGE": ReplyCommand.ACKNOWLEDGE,
    "ACKNOWLEDGED": ReplyCommand.ACKNOWLEDGE,
    "2": ReplyCommand.EN_ROUTE,
    "ENR": ReplyCommand.EN_ROUTE,
    "ENROUTE": ReplyCommand.EN_ROUTE,
    "3": ReplyCommand.ON_SCENE,
    "ONS": ReplyCommand.ON_SCENE,
    "ONSCENE": ReplyCommand.ON_SCENE,
    "4": ReplyCommand.CLEAR,
    "CLR": ReplyCommand.CLEAR,
    "CLEAR": ReplyCommand.CLEAR,
    "9": ReplyCommand.DECLINE,
    "DECLINE": ReplyCommand.DECLINE,
    "OK": ReplyCommand.CHECK_IN,
    "OKAY": ReplyCommand.CHECK_IN,
    "SOS": ReplyCommand.DURESS,
    "STATUS": ReplyCommand.STATUS,
    "HELP": ReplyCommand.HELP,
    "INFO": ReplyCommand.HELP,
}

# "en route" and "on scene" written as two words.
_PHRASES: dict[tuple[str, str], ReplyCommand] = {
    ("EN", "ROUTE"): ReplyCommand.EN_ROUTE,
    ("ON", "SCENE"): ReplyCommand.ON_SCENE,
}

# The first word: a run of digits or a run of letters, after any "#" or "*" a phone adds.
_FIRST_WORD = re.compile(r"\s*[#*]?\s*(\d+|[A-Z]+)", re.IGNORECASE)
_SEPARATORS = " \t\r\n.,;:!?-\u2013\u2014=/()[]\"'"


def parse_reply(body: str) -> Reply:
    """Read one inbound SMS body as a reply code and the words after it."""
    text = unicodedata.normalize("NFKC", body or "").strip()
    whole = text.strip(_SEPARATORS).upper()
    if whole in OPT_OUT_WORDS:
        return Reply(ReplyCommand.OPT_OUT)
    if whole in OPT_IN_WORDS:
        return Reply(ReplyCommand.OPT_IN)

    match = _FIRST_WORD.match(text)
    if match is None:
        return Reply(ReplyCommand.UNKNOWN)
    word = match.group(1).upper()
    rest_at = match.end()

    command = _CODES.get(word)
    if word in {"EN", "ON"}:
        second = _FIRST_WORD.match(text, rest_at)
        phrase = _PHRASES.get((word, second.group(1).upper())) if second else None
        if second is not None and phrase is not None:
            command, rest_at = phrase, second.end()
    if command is None:
        return Reply(ReplyCommand.UNKNOWN)
    argument = text[rest_at:].strip(_SEPARATORS)
    return Reply(command, argument or None)
