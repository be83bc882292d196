"""Benchmark: `POST /api/v1/calls` at 10 concurrent clients while the geocoder takes 200 ms a lookup.

The server runs as it does for a newcomer (`flask --app wsgi serve`, SQLite in WAL mode, the
relays and the scheduler in the web process), with `GEOCODER=nominatim`. The network edge is
replaced through geopy's own adapter seam (`geopy.geocoders.options.default_adapter_factory`): an
adapter that waits 200 ms and answers one house, so every lookup costs what a near, fast network
geocoder costs. Each call's address is new (no local point, no cache hit), so every POST asks the
"network". Nominatim's one-request-a-second spacing (geo.network's RateLimiter) is switched off in
the server process: this measures what the server's transactions do with a slow lookup, not the
service's usage policy. Clients post a call that needs a team (a call, an incident, an SMS page).

Run: .venv/bin/python bench/calls_post_bench.py [--clients 10] [--requests 200] [--delay 0.2]

Figures (2-core box shared with other engineers' test runs, 10 clients, 200 calls, 200 ms lookups):
- before (geocoded inside the write transaction, main at e2c6005): p50 2110 ms, p95 3619 ms, 4.6 calls/s
  (every POST queued on the process's SQLite writer lock behind the others' 200 ms lookups)
- after (located between the read and the write transaction, 46cbfb9): p50 271 ms, p95 353 ms, 34.7 calls/s
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ANSWERS = {  # high risk: a mobile team, emergent (an incident and a page per call)
    "cssrs_1": "yes",
    "cssrs_2": "yes",
    "cssrs_3": "yes",
    "cssrs_4": "yes",
    "cssrs_5": "no",
    "cssrs_6": "no",
    "medical_emergency": "no",
    "attempt_in_progress": "no",
    "weapon_present": "no",
    "violence_now": "no",
    "violence_history": "no",
    "needs_in_person": "no",
    "youth": "no",
}


def serve(port: int, delay_s: float) -> None:
    """The server process: `flask --app wsgi serve` with a slow geopy adapter installed first."""
    import geopy.geocoders
    from geopy.adapters import BaseSyncAdapter

    class SlowNominatim(BaseSyncAdapter):  # type: ignore[misc]
        """Answers Nominatim's /search after `delay_s`, with one house near Burlington."""

        def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
            time.sleep(delay_s)
            return [
                {
                    "place_id": 1,
                    "lat": "44.4794",
                    "lon": "-73.2140",
                    "display_name": "Bench Street, Burlington, Vermont, USA",
                    "class": "place",
                    "type": "house",
                    "addresstype": "place",
                }
            ]

        def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
            raise AssertionError("Nominatim asks for JSON")

    geopy.geocoders.options.default_adapter_factory = SlowNominatim
    import geo.network

    # No one-a-second spacing: the bench measures the transactions, not Nominatim's policy.
    geo.network.RateLimiter = lambda function, **_options: function  # type: ignore[assignment,misc]
    from flask.cli import main

    sys.argv = ["flask", "--app", "wsgi", "serve", "--port", str(port)]
    main()


def flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def wait_until_up(url: str, process: subprocess.Popen[str], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not come up")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds per geocoder lookup")
    parser.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.delay)
        return

    with tempfile.TemporaryDirectory(prefix="calls-bench-") as tmp:
        port = 5000 + os.getpid() % 2000
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "WERKZEUG_"))}
        for name in ("REDIS_URL", "DATABASE_URL", "EMBEDDED_WORKERS"):
            env.pop(name, None)
        env.update(
            APP_ENV="development",
            SECRET_KEY="bench-secret",
            INSTANCE_PATH=tmp,
            DATABASE_URL=f"sqlite:///{tmp}/bench.db",
            GEOCODER="nominatim",
            PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
            PYTHONPATH=str(ROOT),
        )
        flask(env, "db", "upgrade")
        flask(env, "users", "create", "bench-operator", "--role", "operator", "--password", "bench-pass")
        log = open(Path(tmp) / "server.log", "w")  # noqa: SIM115 (closed below, after the server)
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(port), "--delay", str(args.delay)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url, server)
            login = requests.post(
                f"{url}/api/v1/auth/login", json={"username": "bench-operator", "password": "bench-pass"}, timeout=10
            )
            token = login.json()["token"]
            numbers = itertools.count(1)

            def post(_: int) -> float:
                with requests.Session() as http:
                    body = {
                        "caller": {"phone": "+18025550100", "name": "Bench", "relation": "self"},
                        "location": {"address": f"{next(numbers)} Bench Street, Burlington VT"},
                        "answers": ANSWERS,
                    }
                    started = time.perf_counter()
                    answer = http.post(
                        f"{url}/api/v1/calls", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=120
                    )
                    took = time.perf_counter() - started
                    if answer.status_code != 201:
                        raise SystemExit(f"POST /calls answered {answer.status_code}: {answer.text[:300]}")
                    return took

            post(0)  # warm-up: the first call builds the geocoder and the local index
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.clients) as pool:
                latencies = sorted(pool.map(post, range(args.requests)))
            wall = time.perf_counter() - started
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
    p50 = statistics.median(latencies)
    p95 = statistics.quantiles(latencies, n=20)[-1]
    print(
        f"POST /api/v1/calls, {args.clients} clients, {args.requests} calls, geocoder {args.delay * 1000:.0f} ms: "
        f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, {args.requests / wall:.1f} calls/s"
    )


if __name__ == "__main__":
    main()
