"""The SMS sender interface, its errors, and the console sender of the embedded default.

A sender hands one text to one phone and answers with a receipt, or raises
`TransientSendError` (another attempt may get through: retry with back-off) or
`PermanentSendError` (it never will: tell the dispatcher, who phones the team instead).
`classify_twilio_error` is the one place that decides which is which, for an API answer
as well as for the `ErrorCode` of a delivery status callback.

Phone numbers and message bodies are personal data: nothing here logs them. Use
`mask_phone` when a number must appear in a log line.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

log = logging.getLogger(__name__)

ErrorClass = Literal["transient", "permanent"]


@dataclass(frozen=True)
class SendReceipt:
    """What the SMS provider said when it took the message: its id and first status."""

    sid: str
    status: str


class SendError(Exception):
    """A message was not handed over. `code` is the provider's error code when there is one."""

    def __init__(self, code: int | None, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status

    def __str__(self) -> str:
        return f"{self.message} (code {self.code})" if self.code is not None else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, http_status={self.http_status!r})"


class TransientSendError(SendError):
    """Another attempt may succeed: a timeout, an outage, a rate limit, a phone out of coverage."""


class PermanentSendError(SendError):
    """Retrying will not help: the number opted out, is not a mobile, or the request is wrong."""


@runtime_checkable
class SmsSender(Protocol):
    """Hands one SMS to one phone. Raises `TransientSendError` or `PermanentSendError`."""

    def send(
        self,
        *,
        to: str,
        body: str,
        status_callback: str | None,
        validity_period_s: int | None,
    ) -> SendReceipt: ...


# Twilio error codes (https://www.twilio.com/docs/api/errors) with the plain words a
# dispatcher sees in an `sms_failed` alert. Codes that are not listed are classified by
# their HTTP status, and a bare unknown code (a status callback) counts as permanent, so
# that a person hears about it rather than a retry loop hiding it.
TRANSIENT_TWILIO_CODES: dict[int, str] = {
    20429: "too many requests to Twilio",
    20500: "Twilio internal error",
    20503: "Twilio temporarily unavailable",
    21611: "the sending number has too many messages queued",
    30001: "message queue overflow",
    30003: "the phone is off or out of coverage",
    30008: "unknown carrier error",
    30009: "a message segment went missing",
    30017: "carrier network congestion",
    30022: "carrier rate limit exceeded",
    30036: "the page expired before it could be sent",
}
PERMANENT_TWILIO_CODES: dict[int, str] = {
    20003: "Twilio rejected the account credentials",
    20404: "Twilio does not know the account or resource",
    21211: "not a valid phone number",
    21408: "SMS to that country or region is not enabled",
    21606: "the sending number cannot send SMS",
    21608: "the number is not verified on a trial account",
    21610: "the number has opted out (STOP); it must text START to receive pages",
    21612: "the number cannot be reached from the sending number",
    21614: "not a mobile number",
    30002: "the Twilio account is suspended",
    30004: "the message was blocked",
    30005: "the number is unknown or no longer in service",
    30006: "a landline or an unreachable carrier",
    30007: "the carrier filtered the message",
    30010: "the message costs more than the price limit",
    30034: "the sending number is not registered for A2P messaging",
}

_TRANSIENT_HTTP = frozenset({408, 425, 429})


def _as_code(code: int | str | None) -> int | None:
    if code is None or isinstance(code, int):
        return code
    text = code.strip()
    return int(text) if text.isdigit() else None


def classify_twilio_error(http_status: int | None, code: int | str | None) -> ErrorClass:
    """Say whether a failed send may succeed on another attempt.

    `http_status` is the API answer's status, or None for a delivery status callback;
    `code` is Twilio's error code (the callback's `ErrorCode` form field may be passed as is).
    """
    number = _as_code(code)
    if number is not None:
        if number in TRANSIENT_TWILIO_CODES:
            return "transient"
        if number in PERMANENT_TWILIO_CODES:
            return "permanent"
    if http_status is None:
        return "permanent"
    if http_status in _TRANSIENT_HTTP or http_status >= 500:
        return "transient"
    return "permanent"


def describe_twilio_error(code: int | str | None) -> str:
    """A few plain words about a Twilio error code, for a dispatcher's alert."""
    number = _as_code(code)
    if number is None:
        return "the message could not be sent"
    known = TRANSIENT_TWILIO_CODES.get(number) or PERMANENT_TWILIO_CODES.get(number)
    return known or f"Twilio error {number}"


def send_error_for(
    http_status: int | None, code: int | str | None, message: str
) -> TransientSendError | PermanentSendError:
    """The error to raise for a provider's answer, with any phone number masked."""
    error_class: type[TransientSendError | PermanentSendError] = TransientSendError
    if classify_twilio_error(http_status, code) == "permanent":
        error_class = PermanentSendError
    return error_class(_as_code(code), redact_phone_numbers(message), http_status=http_status)


_PHONE_LIKE = re.compile(r"\+?\d[\d\s().-]{5,}\d")


def mask_phone(number: str) -> str:
    """A phone number as it may appear in a log: its last two digits at most."""
    digits = re.sub(r"\D", "", number)
    return f"…{digits[-2:]}" if len(digits) >= 2 else "…"


def redact_phone_numbers(text: str) -> str:
    """Mask every run of seven or more digits (a phone number, probably) in `text`."""

    def _mask(match: re.Match[str]) -> str:
        found = match.group(0)
        if sum(ch.isdigit() for ch in found) < 7:
            return found
        return mask_phone(found)

    return _PHONE_LIKE.sub(_mask, text)


@dataclass(frozen=True)
class ConsoleMessage:
    """A text the console sender took: what the SMS simulator page shows."""

    sid: str
    to: str
    body: str
    status_callback: str | None = None


class ConsoleStore(Protocol):
    """Keeps a console message, e.g. as a row the SMS simulator page reads."""

    def __call__(self, message: ConsoleMessage, /) -> None: ...


class ConsoleSender:
    """The embedded default: no SMS leaves the machine, each text goes to `store`.

    Without a store the messages are kept in `sent`, which suits tests. The receipt's sid
    is `CONSOLE-<hex>` and its status `delivered`: the simulator shows it at once.
    """

    def __init__(self, store: ConsoleStore | None = None) -> None:
        self.sent: list[ConsoleMessage] = []
        self._store: ConsoleStore = store if store is not None else self.sent.append

    def send(
        self,
        *,
        to: str,
        body: str,
        status_callback: str | None = None,
        validity_period_s: int | None = None,
    ) -> SendReceipt:
        message = ConsoleMessage(sid=f"CONSOLE-{uuid.uuid4().hex}", to=to, body=body, status_callback=status_callback)
        self._store(message)
        log.info("console SMS %s to %s", message.sid, mask_phone(to))
        return SendReceipt(sid=message.sid, status="delivered")
