"""SMS relay benchmark: 1,000 dispatch pages through the relay while 30% of Twilio answers are
transient failures (500, 429, 30003, timeouts), injected through twilio-python's HttpClient seam.

Prints the throughput, the retries spent, and checks that every message was accepted exactly
once. Run: `.venv/bin/python bench/sms_bench.py [--database-url URL] [--messages N]`.
Default database: a fresh SQLite file (WAL) made by the migrations.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("APP_ENV", "testing")

FLOOR_COMMIT_P50_MS = {"sqlite": 0.34, "postgresql": 0.9}  # BENCHMARKS.md, one-row insert + commit


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--failure-rate", type=float, default=0.30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    import logging

    import flask_migrate
    import sqlalchemy as sa

    from core.app import create_app
    from core.extensions import db
    from notifications import content
    from notifications.models import OutboundMessage
    from notifications.outbox import queue_sms
    from notifications.relay import Backoff, SmsRelay, outbox_id_from_callback, twilio_lookup
    from notifications.twilio_sender import TwilioSender
    from tests.support.sms_factories import ACCOUNT_SID, FROM_NUMBER, ScriptedTwilio, twilio_error

    logging.getLogger("notifications").setLevel(logging.ERROR)  # one warning per injected failure otherwise
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='smsbench')}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench",
                      "PUBLIC_BASE_URL": "https://dispatch.example.org"})  # fmt: skip
    rng = random.Random(2026)
    failures = [
        twilio_error(500, 20500, "Internal Server Error"),
        twilio_error(429, 20429, "Too Many Requests"),
        twilio_error(400, 30003, "Unreachable destination handset"),
        requests.exceptions.ReadTimeout("read timed out"),
    ]
    injected: collections.Counter[str] = collections.Counter()

    def fail(_post: int) -> object:
        if rng.random() < args.failure_rate:
            answer = rng.choice(failures)
            injected[type(answer).__name__ if isinstance(answer, BaseException) else str(answer[1]["code"])] += 1
            return answer
        return None

    twilio = ScriptedTwilio(fail=fail)  # type: ignore[arg-type]
    with app.app_context():
        flask_migrate.upgrade()
        logging.getLogger("notifications").setLevel(logging.ERROR)
        dialect = db.engine.dialect.name
        for n in range(args.messages):
            page = content.DispatchPage(
                incident_number=f"I-2026-{n:06d}",
                priority="emergent",
                address=f"{100 + n} Church St, Burlington",
                category="suicidal ideation, weapon status unknown",
                callback=FROM_NUMBER,
                link=f"https://dispatch.example.org/field/{'x' * 64}{n}",
            )
            queue_sms(session=db.session, to=f"+1802555{n % 500:04d}", body=content.compose_dispatch(page),
                      kind="dispatch", validity_period_s=3600)  # fmt: skip
        db.session.commit()
        sender = TwilioSender(ACCOUNT_SID, "bench-token", from_number=FROM_NUMBER, http_client=twilio)
        relay = SmsRelay(app, sender=sender, lookup=twilio_lookup(sender), rng=random.Random(1),
                         backoff=Backoff(base_s=0.005, max_s=0.1, max_attempts=30), batch=50)  # fmt: skip
        started = time.perf_counter()
        cpu_started = time.process_time()
        retried = 0
        while True:
            result = relay.pump()
            retried += result.retried
            left = db.session.scalar(
                sa.select(sa.func.count(OutboundMessage.id)).where(OutboundMessage.status.in_(["queued", "sending"]))
            )
            db.session.commit()
            if not left:
                break
            if not result.handled:
                time.sleep(0.002)  # back-off waits still running
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        statuses = collections.Counter(db.session.scalars(sa.select(OutboundMessage.status)))
        attempts = db.session.scalar(sa.select(sa.func.sum(OutboundMessage.attempts)))
        ids = set(db.session.scalars(sa.select(OutboundMessage.id)))

    accepted = collections.Counter(outbox_id_from_callback(m["status_callback"]) for m in twilio.created)
    exactly_once = set(accepted) == ids and set(accepted.values()) == {1}
    per_message_ms = elapsed / args.messages * 1000
    floor = FLOOR_COMMIT_P50_MS.get(dialect, 0.0)
    print(f"database: {dialect}{' (WAL)' if dialect == 'sqlite' else ''}; messages: {args.messages}; "
          f"injected transient failure rate: {args.failure_rate:.0%}")  # fmt: skip
    print(f"statuses: {dict(statuses)}")
    print(f"Twilio POSTs: {twilio.posts}; attempts recorded: {attempts}; retries spent: {retried}; "
          f"injected: {dict(injected)}")  # fmt: skip
    print(
        f"accepted by Twilio exactly once each: {exactly_once} ({len(accepted)} distinct, max {max(accepted.values())})"
    )
    print(f"wall: {elapsed:.2f} s, CPU: {cpu:.2f} s; throughput: {args.messages / elapsed:.0f} messages/s; "
          f"{per_message_ms:.2f} ms a message")  # fmt: skip
    if floor:
        # Each message costs at least 2 commits (claim share + result); one commit is the floor.
        print(f"vs floor one-row commit p50 {floor} ms: {per_message_ms / floor:.1f}x a commit per message "
              f"(a message needs 2 commits + the HTTP seam)")  # fmt: skip
    if not exactly_once or statuses.get("sent") != args.messages:
        sys.exit(1)


if __name__ == "__main__":
    main()
