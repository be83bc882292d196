"""Latency across processes, scaled out: a change posted to web process A, the event received by a
screen connected to web process B (commit -> NOTIFY -> relay in the scheduler process -> Redis -> B).

    .venv/bin/python bench/scale_out_latency.py [--changes 200] [--database postgresql://postgres@127.0.0.1:5432/test]

Needs PostgreSQL and Redis at 127.0.0.1:6379. Prints percentiles of POST sent -> event received,
one change at a time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests
import socketio

from tests.support.databases import TestDatabases
from tests.support.processes import ProcessGroup, base_env

PASSWORD = "bench password, long enough"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="scale_out_bench_"))
    databases = TestDatabases(args.database, workdir)
    databases.prepare()
    url = databases.fresh_url()
    env = base_env(
        APP_ENV="production",
        DATABASE_URL=url,
        REDIS_URL=args.redis,
        SECRET_KEY="bench-secret-key-0123456789abcdef",
        PUBLIC_BASE_URL="http://dispatch.test",
        INSTANCE_PATH=str(workdir / "instance"),
    )
    group = ProcessGroup(workdir, env)
    try:
        a, b = group.serve("web-a"), group.serve("web-b")
        group.scheduler("scheduler").wait_for_log("event relay is the leader")
        group.cli("users", "create", "benchadmin", "--role", "admin", "--password", PASSWORD)
        login = {"username": "benchadmin", "password": PASSWORD}
        token = requests.post(f"{a.url}/api/v1/auth/login", json=login, timeout=10).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        body = {"call_sign": "BENCH-1", "phones": ["+18025550999"], "home": {"lat": 44.47, "lon": -73.21}}
        unit_id = requests.post(f"{a.url}/api/v1/units", json=body, headers=headers, timeout=10).json()["id"]
        received: dict[int, float] = {}
        arrived = threading.Condition()
        client = socketio.Client(reconnection=False)

        def on_event(event: dict[str, object]) -> None:
            with arrived:
                received[int(event["seq"])] = time.perf_counter()  # type: ignore[call-overload]
                arrived.notify_all()

        snapshot: list[int] = []
        client.on("event", on_event, namespace="/live")
        client.on("snapshot", lambda data: snapshot.append(int(data["seq"])), namespace="/live")
        client.connect(b.url, namespaces=["/live"], auth={"token": token}, transports=["websocket"], wait_timeout=10)
        time.sleep(1.0)  # the unit's own creation event has gone by
        base = max([*snapshot, *received])
        latencies: list[float] = []
        for step in range(args.changes):
            fix = {"lat": 44.40 + step * 1e-5, "lon": -73.2}
            sent = time.perf_counter()
            answer = requests.post(f"{a.url}/api/v1/units/{unit_id}/location", json=fix, headers=headers, timeout=10)
            seq = base + step + 1
            with arrived:
                arrived.wait_for(lambda seq=seq: seq in received, timeout=10)
            if seq not in received or answer.status_code != 200:
                raise SystemExit(f"change {step}: status {answer.status_code}, event {seq} not received")
            latencies.append((received[seq] - sent) * 1000)
        client.disconnect()
        latencies.sort()
        pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
        print(f"{args.changes} changes posted to process A, received on process B (ms from sending the POST):")
        print(
            f"  p50 {pick(0.50):.1f}  p90 {pick(0.90):.1f}  p99 {pick(0.99):.1f}  max {latencies[-1]:.1f}"
            f"  mean {statistics.fmean(latencies):.1f}"
        )
    finally:
        group.close()
        databases.cleanup()


if __name__ == "__main__":
    main()
