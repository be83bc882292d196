"""How a send fails or succeeds, driven through twilio-python's own HttpClient seam.

Twilio's answers are canned JSON bodies in the shape Twilio sends them; transport failures
are raised by twilio's real `TwilioHttpClient`, from a `requests` adapter that cannot connect.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

from notifications.senders import (
    ConsoleMessage,
    ConsoleSender,
    PermanentSendError,
    SendError,
    SendReceipt,
    SmsSender,
    TransientSendError,
    classify_twilio_error,
    describe_twilio_error,
    mask_phone,
)
from notifications.twilio_sender import TwilioSender

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
SERVICE_SID = "MG" + "fedcba9876543210" * 2
FROM_NUMBER = "+15415550100"
TEAM_PHONE = "+15415550177"
BODY = "DISPATCH C-2026-000123 EMERGENT\n1200 Oak St\nReply 1 ack"


class CannedTwilio(HttpClient):  # type: ignore[misc]
    """Answers every request with one canned response, and keeps what was asked."""

    def __init__(self, status: int, body: Mapping[str, Any] | str) -> None:
        super().__init__(logging.getLogger("tests.canned_twilio"), is_async=False)
        self.status = status
        self.text = body if isinstance(body, str) else json.dumps(body)
        self.requests: list[dict[str, Any]] = []

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        self.requests.append({"method": method, "uri": uri, "data": dict(data or {})})
        return Response(self.status, self.text)


def twilio_error(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def created_message(sid: str = "SM" + "ab" * 16) -> dict[str, Any]:
    return {
        "sid": sid,
        "status": "queued",
        "account_sid": ACCOUNT_SID,
        "to": TEAM_PHONE,
        "from": FROM_NUMBER,
        "body": BODY,
        "num_segments": "1",
        "error_code": None,
        "error_message": None,
    }


def sender_with(http_client: HttpClient, **kwargs: Any) -> TwilioSender:
    kwargs.setdefault("from_number", FROM_NUMBER)
    return TwilioSender(ACCOUNT_SID, "secret-token", http_client=http_client, **kwargs)


def send(sender: TwilioSender, **kwargs: Any) -> SendReceipt:
    kwargs.setdefault("status_callback", "https://dispatch.example.org/sms/status")
    kwargs.setdefault("validity_period_s", None)
    return sender.send(to=TEAM_PHONE, body=BODY, **kwargs)


# --- successes ----------------------------------------------------------------------------


def test_a_created_message_returns_twilios_sid_and_status() -> None:
    canned = CannedTwilio(201, created_message("SM" + "12" * 16))

    receipt = send(sender_with(canned))

    assert receipt == SendReceipt(sid="SM" + "12" * 16, status="queued")
    request = canned.requests[0]
    assert request["method"] == "POST"
    assert request["uri"].endswith(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
    assert request["data"]["To"] == TEAM_PHONE
    assert request["data"]["From"] == FROM_NUMBER
    assert request["data"]["Body"] == BODY
    assert request["data"]["StatusCallback"] == "https://dispatch.example.org/sms/status"


def test_validity_period_is_sent_only_when_given() -> None:
    canned = CannedTwilio(201, created_message())
    sender = sender_with(canned)

    send(sender, validity_period_s=120)
    send(sender, validity_period_s=None, status_callback=None)

    assert canned.requests[0]["data"]["ValidityPeriod"] == 120
    assert "ValidityPeriod" not in canned.requests[1]["data"]
    assert "StatusCallback" not in canned.requests[1]["data"]


def test_a_messaging_service_sends_without_a_from_number() -> None:
    canned = CannedTwilio(201, created_message())
    sender = TwilioSender(ACCOUNT_SID, "secret-token", messaging_service_sid=SERVICE_SID, http_client=canned)

    send(sender)

    assert canned.requests[0]["data"]["MessagingServiceSid"] == SERVICE_SID
    assert "From" not in canned.requests[0]["data"]


def test_a_sender_needs_credentials_and_somewhere_to_send_from() -> None:
    with pytest.raises(ValueError):
        TwilioSender(ACCOUNT_SID, "secret-token")
    with pytest.raises(ValueError):
        TwilioSender(ACCOUNT_SID, "", from_number=FROM_NUMBER)


def test_the_auth_token_never_shows_in_repr() -> None:
    sender = sender_with(CannedTwilio(201, created_message()))
    assert "secret-token" not in repr(sender)
    assert FROM_NUMBER not in repr(sender)


# --- Twilio's error answers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (400, 21610, "Attempt to send to unsubscribed recipient", PermanentSendError),
        (400, 21211, "The 'To' number is not a valid phone number.", PermanentSendError),
        (400, 21614, "'To' number is not a valid mobile number", PermanentSendError),
        (400, 21408, "Permission to send an SMS has not been enabled", PermanentSendError),
        (401, 20003, "Authenticate", PermanentSendError),
        (400, 30003, "Unreachable destination handset", TransientSendError),
        (429, 20429, "Too Many Requests", TransientSendError),
        (500, 20500, "Internal Server Error", TransientSendError),
        (503, 20503, "Service Unavailable", TransientSendError),
    ],
)  # fmt: skip
def test_twilio_error_answers_become_transient_or_permanent(
    status: int, code: int, message: str, expected: type[SendError]
) -> None:
    sender = sender_with(CannedTwilio(status, twilio_error(status, code, message)))

    with pytest.raises(expected) as raised:
        send(sender)

    assert raised.value.code == code
    assert raised.value.http_status == status


def test_a_5xx_without_a_json_body_is_transient() -> None:
    sender = sender_with(CannedTwilio(502, "<html>Bad Gateway</html>"))

    with pytest.raises(TransientSendError) as raised:
        send(sender)

    assert raised.value.http_status == 502


def test_a_4xx_no_one_knows_is_permanent() -> None:
    sender = sender_with(CannedTwilio(400, twilio_error(400, 21999, "Something new")))

    with pytest.raises(PermanentSendError):
        send(sender)


def test_errors_and_logs_do_not_carry_the_phone_number_or_body(
    caplog: pytest.LogCaptureFixture,
) -> None:
    message = f"The 'To' number {TEAM_PHONE} is not a valid phone number."
    sender = sender_with(CannedTwilio(400, twilio_error(400, 21211, message)))
    caplog.set_level(logging.DEBUG)

    with pytest.raises(PermanentSendError) as raised:
        send(sender)

    assert TEAM_PHONE not in str(raised.value)
    assert TEAM_PHONE[1:] not in caplog.text
    assert "1200 Oak St" not in caplog.text
    assert "…77" in caplog.text


# --- transport failures, raised by twilio's real HTTP client -------------------------------


class UnreachableAdapter(BaseAdapter):
    """A requests adapter that fails the way a dead network does."""

    def __init__(self, error: requests.exceptions.RequestException) -> None:
        super().__init__()
        self.error = error

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        raise self.error

    def close(self) -> None:
        pass


@pytest.fixture
def real_http_client() -> Iterator[TwilioHttpClient]:
    client = TwilioHttpClient(timeout=2)
    yield client
    assert client.session is not None
    client.session.close()


@pytest.mark.parametrize(
    "error",
    [
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectTimeout("connect timed out"),
        requests.exceptions.ConnectionError("connection refused"),
    ],
)
def test_timeouts_and_connection_errors_are_transient(
    real_http_client: TwilioHttpClient, error: requests.exceptions.RequestException
) -> None:
    assert real_http_client.session is not None
    real_http_client.session.mount("https://", UnreachableAdapter(error))
    sender = sender_with(real_http_client)

    with pytest.raises(TransientSendError) as raised:
        send(sender)

    assert raised.value.code is None


def test_a_malformed_base_url_is_permanent(real_http_client: TwilioHttpClient) -> None:
    sender = sender_with(real_http_client, base_url="not a url")

    with pytest.raises(PermanentSendError):
        send(sender)


# --- classification, also used for delivery status callbacks -------------------------------


@pytest.mark.parametrize(
    ("http_status", "code", "expected"),
    [
        (None, "30003", "transient"),
        (None, "30001", "transient"),
        (None, "30036", "transient"),
        (None, "30005", "permanent"),
        (None, "30006", "permanent"),
        (None, "30007", "permanent"),
        (None, "21610", "permanent"),
        (None, "39999", "permanent"),
        (None, "", "permanent"),
        (429, None, "transient"),
        (503, None, "transient"),
        (408, None, "transient"),
        (404, None, "permanent"),
        (400, 21211, "permanent"),
        (400, 20429, "transient"),
    ],
)
def test_classify_twilio_error(http_status: int | None, code: str | int | None, expected: str) -> None:
    assert classify_twilio_error(http_status, code) == expected


def test_an_error_code_is_described_in_plain_words() -> None:
    assert "opted out" in describe_twilio_error("21610")
    assert describe_twilio_error(39999) == "Twilio error 39999"
    assert describe_twilio_error(None) == "the message could not be sent"


def test_a_masked_phone_shows_two_digits_at_most() -> None:
    assert mask_phone("+1 (541) 555-0177") == "…77"
    assert mask_phone("") == "…"


# --- the console sender ----------------------------------------------------------------------


def test_the_console_sender_hands_each_text_to_its_store() -> None:
    stored: list[ConsoleMessage] = []
    sender = ConsoleSender(stored.append)

    first = sender.send(to=TEAM_PHONE, body=BODY, status_callback=None, validity_period_s=120)
    second = sender.send(to=TEAM_PHONE, body="again", status_callback=None, validity_period_s=None)

    assert [message.body for message in stored] == [BODY, "again"]
    assert stored[0] == ConsoleMessage(sid=first.sid, to=TEAM_PHONE, body=BODY)
    assert first.sid.startswith("CONSOLE-") and first.sid != second.sid
    assert first.status == "delivered"


def test_without_a_store_the_console_sender_keeps_what_it_sent() -> None:
    sender = ConsoleSender()
    receipt = sender.send(to=TEAM_PHONE, body=BODY, status_callback=None, validity_period_s=None)
    assert [(m.sid, m.to, m.body) for m in sender.sent] == [(receipt.sid, TEAM_PHONE, BODY)]


def test_both_senders_are_sms_senders() -> None:
    assert isinstance(ConsoleSender(), SmsSender)
    assert isinstance(sender_with(CannedTwilio(201, created_message())), SmsSender)
