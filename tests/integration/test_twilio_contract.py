"""Contract test: what TwilioSender sends is what Twilio's published API description accepts.

Stoplight Prism serves Twilio's own OpenAPI description (tests/contract/) as a mock that
validates every request; TwilioSender talks to it over HTTP through twilio-python's real
HTTP client. Without Prism (run `npm install`) the test is skipped, except in CI, where it
fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

from notifications.senders import PermanentSendError
from notifications.twilio_sender import TwilioSender

pytestmark = pytest.mark.slow  # starts the Prism mock of Twilio's API

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / "node_modules" / ".bin" / "prism"
SPEC = ROOT / "tests" / "contract" / "twilio_api_v2010.json"
STARTUP_TIMEOUT_S = 90.0

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
SERVICE_SID = "MG" + "fedcba9876543210" * 2
FROM_NUMBER = "+15415550100"
TEAM_PHONE = "+15415550177"
STATUS_CALLBACK = "https://dispatch.example.org/sms/status"
BODY = (
    "DISPATCH C-2026-000123 EMERGENT\n1200 Oak St\nsuicidal ideation, no weapon reported\n"
    "Call +15415550100\nReply 1 ack, 2 en route, 3 on scene, 4 clear, 9 decline+reason\n"
    "https://dispatch.example.org/field/abc.def"
)


def _missing(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the Twilio contract test")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not PRISM.exists():
        _missing(f"Prism is not installed at {PRISM} (run `npm install`)")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("prism") / "prism.log"
    with log_path.open("wb") as log_file:
        try:
            process = subprocess.Popen(
                [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
                cwd=ROOT,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        except OSError as exc:  # e.g. no node on PATH
            _missing(f"Prism cannot start: {exc}")
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_S
            while not _listening(port):
                if process.poll() is not None:
                    pytest.fail(f"Prism exited at start:\n{log_path.read_text()[-2000:]}")
                if time.monotonic() > deadline:
                    pytest.fail(f"Prism did not listen within {STARTUP_TIMEOUT_S:.0f} s")
                time.sleep(0.2)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class RecordingHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """twilio's real HTTP client, keeping each request's form data and the answer's status."""

    def __init__(self) -> None:
        super().__init__(timeout=10)
        self.sent: list[tuple[dict[str, object], int]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        response = super().request(method, url, *args, **kwargs)
        self.sent.append((dict(kwargs.get("data") or {}), response.status_code))
        return response


@pytest.fixture
def http_client() -> Iterator[RecordingHttpClient]:
    client = RecordingHttpClient()
    yield client
    assert client.session is not None
    client.session.close()


def test_a_dispatch_page_from_a_number_is_accepted(prism_url: str, http_client: RecordingHttpClient) -> None:
    sender = TwilioSender(
        ACCOUNT_SID,
        "test-token",
        from_number=FROM_NUMBER,
        http_client=http_client,
        base_url=prism_url,
    )

    receipt = sender.send(to=TEAM_PHONE, body=BODY, status_callback=STATUS_CALLBACK, validity_period_s=120)

    assert receipt.sid.startswith("SM") and len(receipt.sid) == 34
    assert receipt.status == "queued"
    data, status = http_client.sent[-1]
    assert status == 201
    assert data["From"] == FROM_NUMBER
    assert data["StatusCallback"] == STATUS_CALLBACK
    assert data["ValidityPeriod"] == 120


def test_a_text_through_a_messaging_service_is_accepted(prism_url: str, http_client: RecordingHttpClient) -> None:
    sender = TwilioSender(
        ACCOUNT_SID,
        "test-token",
        messaging_service_sid=SERVICE_SID,
        http_client=http_client,
        base_url=prism_url,
    )

    receipt = sender.send(
        to=TEAM_PHONE, body="CHECK-IN C-2026-000123: reply OK", status_callback=None,
        validity_period_s=None,
    )  # fmt: skip

    assert receipt.sid.startswith("SM")
    data, status = http_client.sent[-1]
    assert status == 201
    assert data["MessagingServiceSid"] == SERVICE_SID
    assert "From" not in data and "ValidityPeriod" not in data


def test_the_mock_rejects_a_request_twilio_would_reject(prism_url: str, http_client: RecordingHttpClient) -> None:
    sender = TwilioSender(
        ACCOUNT_SID,
        "test-token",
        from_number=FROM_NUMBER,
        http_client=http_client,
        base_url=prism_url,
    )

    with pytest.raises(PermanentSendError) as raised:
        sender.send(to=TEAM_PHONE, body=BODY, status_callback="not a url", validity_period_s=120)

    assert raised.value.http_status == 422
    assert http_client.sent[-1][1] == 422


def test_the_mock_rejects_a_malformed_account_sid(prism_url: str, http_client: RecordingHttpClient) -> None:
    sender = TwilioSender(
        "AC-not-an-account",
        "test-token",
        from_number=FROM_NUMBER,
        http_client=http_client,
        base_url=prism_url,
    )

    with pytest.raises(PermanentSendError):
        sender.send(to=TEAM_PHONE, body=BODY, status_callback=None, validity_period_s=None)

    assert http_client.sent[-1][1] in {400, 404, 422}
