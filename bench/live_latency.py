"""Live-stream latency: from a change on the server to its receipt by 100 connected clients.

The server runs as it does for a newcomer (`flask --app wsgi serve`, SQLite in WAL mode, the event
relay in the web process). A driver posts unit position fixes through the API at a fixed rate;
each fix commits a change and an event. Clients (spread over several processes, handlers run on
the websocket reader thread instead of one thread per message, see BENCHMARKS.md) compare each
event's server time stamp (taken in the transaction, just before commit) with the time they
received it: same machine, same clock. Prints p50/p95/p99, the clients' CPU time, and the server's
peak RSS.

Run: .venv/bin/python bench/live_latency.py [--clients 100] [--rate 20] [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
FLOOR = "bare Flask-SocketIO, 300 clients at 10 events/s: 36 ms p50 / 60 ms p95, ~85 MB RSS"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def client_worker(url: str, token: str, count: int, ready: mp.Queue, results: mp.Queue, stop_at: float) -> None:
    import engineio.client
    import socketio

    # Run the handler on the reader thread: the stock client starts a thread per message.
    original = engineio.client.Client._trigger_event

    def inline(self, event, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["run_async"] = False
        return original(self, event, *args, **kwargs)

    engineio.client.Client._trigger_event = inline  # type: ignore[method-assign]
    latencies: list[float] = []
    clients = []
    for _ in range(count):
        client = socketio.Client(reconnection=False)

        def on_event(data, _lat=latencies):  # type: ignore[no-untyped-def]
            sent = datetime.fromisoformat(data["at"]).timestamp()
            _lat.append((time.time() - sent) * 1000)

        client.on("event", on_event, namespace="/live")
        client.connect(url, namespaces=["/live"], auth={"token": token}, transports=["websocket"], wait_timeout=20)
        clients.append(client)
    ready.put(count)
    while time.time() < stop_at:
        time.sleep(0.2)
    for client in clients:
        client.disconnect()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    results.put({"latencies": latencies, "cpu_s": usage.ru_utime + usage.ru_stime})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--rate", type=float, default=20.0, help="changes per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="live_bench_"))
    port = free_port()
    env = dict(
        os.environ,
        APP_ENV="development",
        INSTANCE_PATH=str(workdir),
        SECRET_KEY="bench",
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        PYTHONPATH=str(ROOT),
    )
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "demo", "seed"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [*flask, "users", "create", "bench", "--role", "dispatcher", "--password", "bench-pass"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    log = open(workdir / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen([*flask, "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(base + "/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        token = requests.post(
            base + "/api/v1/auth/login", json={"username": "bench", "password": "bench-pass"}, timeout=5
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        units = [u["id"] for u in requests.get(base + "/api/v1/units", headers=headers, timeout=5).json()]
        idle_rss = rss_kb(server.pid)

        setup_s = 10 + args.clients * 0.05
        stop_at = time.time() + setup_s + args.seconds + 3
        ready: mp.Queue = mp.Queue()
        results: mp.Queue = mp.Queue()
        per = [
            args.clients // args.processes + (1 if i < args.clients % args.processes else 0)
            for i in range(args.processes)
        ]
        workers = [mp.Process(target=client_worker, args=(base, token, n, ready, results, stop_at)) for n in per]
        for w in workers:
            w.start()
        connected = sum(ready.get(timeout=120) for _ in workers)
        connected_rss = rss_kb(server.pid)

        session = requests.Session()
        interval = 1.0 / args.rate
        sent = 0
        start = time.monotonic()
        while time.monotonic() - start < args.seconds:
            unit = units[sent % len(units)]
            session.post(
                f"{base}/api/v1/units/{unit}/location",
                headers=headers,
                timeout=5,
                json={"lat": 44.47 + (sent % 100) * 1e-4, "lon": -73.21},
            )
            sent += 1
            next_at = start + sent * interval
            time.sleep(max(0.0, next_at - time.monotonic()))
        collected = [results.get(timeout=120) for _ in workers]
        for w in workers:
            w.join(timeout=30)
        peak_rss = peak_kb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()

    latencies = sorted(x for c in collected for x in c["latencies"])
    cpu = sum(c["cpu_s"] for c in collected)
    expected = sent * connected
    q = statistics.quantiles(latencies, n=100)
    print(
        json.dumps(
            {
                "clients": connected,
                "events": sent,
                "rate_per_s": args.rate,
                "deliveries": len(latencies),
                "expected_deliveries": expected,
            }
        )
    )
    print(
        f"live latency, commit -> client receipt, {connected} clients, {args.rate:g} events/s for {args.seconds:g} s "
        f"(SQLite WAL, one server process):"
    )
    print(
        f"  p50 {q[49]:.1f} ms   p95 {q[94]:.1f} ms   p99 {q[98]:.1f} ms   max {latencies[-1]:.1f} ms"
        f"   (target p95 <= 50 ms)"
    )
    print(f"  deliveries {len(latencies)} of {expected} ({len(latencies) / expected:.1%})")
    print(f"  clients' CPU time {cpu:.1f} s across {args.processes} processes")
    print(
        f"  server RSS: idle {idle_rss / 1024:.0f} MB, with clients {connected_rss / 1024:.0f} MB, "
        f"peak {peak_rss / 1024:.0f} MB (target <= 250 MB)"
    )
    print(f"  floor (BENCHMARKS.md): {FLOOR}")


def rss_kb(pid: int) -> int:
    return _status_kb(pid, "VmRSS")


def peak_kb(pid: int) -> int:
    return _status_kb(pid, "VmHWM")


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


if __name__ == "__main__":
    main()
