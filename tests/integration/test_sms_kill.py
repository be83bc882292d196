"""Kill test: the SMS relay runs in its own process, is killed with SIGKILL in the middle of 200
messages (at the worst moment: Twilio has taken a message, the relay has not heard back), and is
restarted. Every message reaches the receiving side exactly once.

The receiving side is a small HTTP server in this test, spoken to by twilio-python's real
TwilioHttpClient (the relay's `--twilio-base-url`): it records each POST to Messages.json, answers
a Twilio-shaped 201, and answers the Messages list that reconciliation reads.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from core.extensions import db
from notifications.models import OutboundMessage
from notifications.outbox import queue_sms
from notifications.relay import outbox_id_from_callback

pytestmark = pytest.mark.slow  # a relay process killed and restarted

ROOT = Path(__file__).resolve().parents[2]
TOTAL = 200
KILL_AT = 73
ACCOUNT_SID = "AC" + "5" * 32


class CountingTwilio(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), TwilioHandler)
        self.lock = threading.Lock()
        self.messages: list[dict[str, str]] = []
        self.victim: subprocess.Popen[bytes] | None = None
        self.killed = threading.Event()


class TwilioHandler(BaseHTTPRequestHandler):
    server: CountingTwilio

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        with self.server.lock:
            message = {
                "sid": f"SM{len(self.server.messages) + 1:032x}",
                "status": "queued",
                "account_sid": ACCOUNT_SID,
                "to": form.get("To", ""),
                "from": form.get("From", ""),
                "body": form.get("Body", ""),
                "status_callback": form.get("StatusCallback", ""),
                "date_created": datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000"),
            }
            self.server.messages.append(message)
            count = len(self.server.messages)
            victim = self.server.victim
        if count == KILL_AT and victim is not None and not self.server.killed.is_set():
            os.kill(victim.pid, signal.SIGKILL)  # Twilio took it; the relay never hears back
            victim.wait()
            self.server.killed.set()
        self._answer(201, message)

    def do_GET(self) -> None:
        to = parse_qs(urlsplit(self.path).query).get("To", [None])[0]
        with self.server.lock:
            found = [m for m in reversed(self.server.messages) if to in (None, m["to"])]
        self._answer(200, {"messages": found, "next_page_uri": None, "page": 0, "page_size": len(found)})


def start_relay(database_url: str, twilio_url: str, log_path: Path) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        APP_ENV="development",
        DATABASE_URL=database_url,
        SECRET_KEY="kill-test",
        PUBLIC_BASE_URL="https://dispatch.example.org",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN="kill-test-token",
        TWILIO_FROM_NUMBER="+18025550100",
        PYTHONPATH=str(ROOT),
    )
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "sms", "relay"]
    command += ["--twilio-base-url", twilio_url, "--reconcile-after", "1"]
    with log_path.open("ab") as log_file:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)


def statuses(app) -> collections.Counter[str]:
    with app.app_context():
        found = collections.Counter(db.session.scalars(sa.select(OutboundMessage.status)))
        db.session.commit()
        return found


def test_a_relay_killed_mid_way_and_restarted_sends_every_message_exactly_once(live_app, tmp_path):
    with live_app.app_context():
        ids = [
            queue_sms(session=db.session, to=f"+1802555{n % 10:04d}", body=f"Notice {n}: kill test", kind="notice").id
            for n in range(TOTAL)
        ]
        db.session.commit()
    twilio = CountingTwilio()
    threading.Thread(target=twilio.serve_forever, daemon=True).start()
    twilio_url = f"http://127.0.0.1:{twilio.server_address[1]}"
    log_path = tmp_path / "relay.log"
    database_url = live_app.config["SQLALCHEMY_DATABASE_URI"]
    relay = None
    try:
        with twilio.lock:
            twilio.victim = start_relay(database_url, twilio_url, log_path)
        assert twilio.killed.wait(timeout=120), log_path.read_text()
        stuck = statuses(live_app)
        assert stuck["sending"] >= 1 and stuck["queued"] + stuck["sending"] > 0, stuck
        relay = start_relay(database_url, twilio_url, log_path)
        deadline = time.monotonic() + 120
        while statuses(live_app)["sent"] < TOTAL and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        if relay is not None:
            relay.send_signal(signal.SIGTERM)
            relay.wait(timeout=10)
        twilio.shutdown()
        twilio.server_close()
    assert statuses(live_app) == {"sent": TOTAL}, log_path.read_text()[-3000:]
    received = collections.Counter(outbox_id_from_callback(m["status_callback"]) for m in twilio.messages)
    assert sorted(received) == sorted(ids)
    assert set(received.values()) == {1}, [i for i, n in received.items() if n > 1]
    assert "was sent before a crash" in log_path.read_text()  # the lost answer was reconciled, not resent
