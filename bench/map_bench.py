"""The supervisor's live map at a statewide scale, in Debian's Chromium.

A fresh SQLite database (WAL) gets 500 units spread over Vermont (a tenth of them with stale
positions) and 200 open incidents (half of them with a unit assigned, so 100 unit-to-incident lines).
The server runs as for a newcomer (`flask --app wsgi serve`, the event relay in the web process).
A supervisor opens `/map?stats=1`; then a driver posts unit position fixes through the API at a fixed
rate (50/s by default) for `--seconds`. Each fix commits a change and an event.

Measured in the page (map.js's `window.__mapStats` hook): the time from the event's server stamp
(`at`, taken in the transaction; same machine, same clock) to the end of the animation frame that
updated the marker and the list row. And with a PerformanceObserver: Chromium's long tasks
(main-thread tasks over 50 ms), for the first load and during the stream.

Run: .venv/bin/python bench/map_bench.py [--units 500] [--incidents 200] [--rate 50] [--seconds 60]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from flask import current_app

from core.deps import bus_of

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FLOOR = "bare Flask-SocketIO, 1 client: 0.7 ms p50 / 1.0 ms p95 (commit -> receipt, no page work)"
LONGTASKS = """
window.__longtasks = [];
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) window.__longtasks.push(entry.duration);
}).observe({ type: "longtask", buffered: true });
"""
VERMONT = (42.75, 44.95, -73.35, -71.55)  # lat min/max, lon min/max


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(url: str, *, units: int, incidents: int, rng: random.Random) -> None:
    """Units and open incidents straight through the models and the dispatch service."""
    from datetime import timedelta

    from core.actors import Actor
    from core.app import create_app
    from core.auth import create_user
    from core.clock import now
    from core.extensions import db
    from dispatch.models import Unit
    from dispatch.service import DEFAULT_ESTIMATOR, assign_unit, open_incident_for_call
    from triage.models import Call

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    lat0, lat1, lon0, lon1 = VERMONT
    by = Actor.system("bench")
    with app.app_context():
        at = now()
        rows = []
        for n in range(units):
            lat, lon = rng.uniform(lat0, lat1), rng.uniform(lon0, lon1)
            stale = n % 10 == 0
            rows.append(
                Unit(
                    call_sign=f"MCT-{n + 1:03d}",
                    phones=[f"+1802555{n:04d}"],
                    languages=["en"],
                    youth=False,
                    home_lat=lat,
                    home_lon=lon,
                    lat=lat,
                    lon=lon,
                    location_at=at - timedelta(seconds=3600 if stale else rng.uniform(0, 600)),
                    status="off_duty" if n % 7 == 0 else "available",
                )
            )
        db.session.add_all(rows)
        db.session.commit()
        free = [u.id for u in rows if u.status == "available"]
        for n in range(incidents):
            lat, lon = rng.uniform(lat0, lat1), rng.uniform(lon0, lon1)
            priority = ("emergent", "urgent", "routine")[n % 3]
            call = Call(
                number=f"C-B-{n:06d}",
                received_at=now(),
                address=f"{n + 1} Bench Rd",
                lat=lat,
                lon=lon,
                location_source="typed",
                location_resolved=True,
                questionnaire_id="cssrs_screener_recent",
                questionnaire_version=1,
                answers={"cssrs_1": "yes", "cssrs_2": "no"},
                triage={
                    "risk_level": "moderate",
                    "disposition": "mobile_team",
                    "priority": priority,
                    "reasons": [],
                    "flags": [],
                    "needs": {"youth": None, "language": None},
                },
                risk_level="moderate",
                computed_disposition="mobile_team",
                computed_priority=priority,
                disposition="mobile_team",
                priority=priority,
            )
            db.session.add(call)
            db.session.flush()
            incident = open_incident_for_call(session=db.session, call=call, by=by, bus=bus_of(current_app))
            db.session.flush()
            db.session.commit()  # assign_unit starts from a session that has written nothing
            if n % 2 == 0 and free:
                assign_unit(
                    session=db.session,
                    incident_id=incident.id,
                    unit_id=free.pop(),
                    reason="bench",
                    by=by,
                    bus=bus_of(current_app),
                    router=DEFAULT_ESTIMATOR,
                    clock=now,
                    stale_after_s=900,
                )
                db.session.commit()
        for name, role in (("bench-sup", "supervisor"), ("bench-disp", "dispatcher")):
            create_user(session=db.session, username=name, password="bench-pass", roles=(role,))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def drive(base: str, token: str, unit_ids: list[int], *, rate: float, seconds: float, rng: random.Random) -> dict:
    """Post position fixes at `rate` a second from a few threads, each on a fixed schedule."""
    workers = 4
    sent = [0] * workers
    errors = [0] * workers
    late_sends = [0] * workers
    start = time.monotonic() + 0.2
    total = int(rate * seconds)
    lat0, lat1, lon0, lon1 = VERMONT

    def run(k: int) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {token}"}
        local = random.Random(rng.random() + k)
        for i in range(k, total, workers):
            due = start + i / rate
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            elif wait < -0.1:
                late_sends[k] += 1
            unit = unit_ids[i % len(unit_ids)]
            answer = session.post(
                f"{base}/api/v1/units/{unit}/location",
                json={"lat": local.uniform(lat0, lat1), "lon": local.uniform(lon0, lon1)},
                headers=headers,
                timeout=10,
            )
            sent[k] += 1
            if answer.status_code != 200:
                errors[k] += 1

    threads = [threading.Thread(target=run, args=(k,)) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    return {"sent": sum(sent), "errors": sum(errors), "late_sends": sum(late_sends), "elapsed_s": elapsed}


def quantile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100)[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50.0, help="position fixes per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        sys.exit(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    rng = random.Random(7)
    workdir = Path(tempfile.mkdtemp(prefix="map_bench_"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        APP_ENV="development",
        INSTANCE_PATH=str(workdir),
        SECRET_KEY="bench",
        PUBLIC_BASE_URL=base,
        PYTHONPATH=str(ROOT),
    )
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    t0 = time.monotonic()
    seed(f"sqlite:///{workdir / 'crisis.db'}", units=args.units, incidents=args.incidents, rng=rng)
    seed_s = time.monotonic() - t0
    log = open(workdir / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen([*flask, "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        for _ in range(100):
            try:
                if requests.get(base + "/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        token = requests.post(
            base + "/api/v1/auth/login", json={"username": "bench-disp", "password": "bench-pass"}, timeout=5
        ).json()["token"]
        unit_ids = [
            u["id"]
            for u in requests.get(
                base + "/api/v1/units", headers={"Authorization": f"Bearer {token}"}, timeout=10
            ).json()
        ]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 950})
            page.add_init_script(LONGTASKS)
            page.goto(f"{base}/login?next=/map%3Fstats%3D1")
            page.fill("#username", "bench-sup")
            page.fill("#password", "bench-pass")
            loading = time.monotonic()
            page.click("button[type=submit]")
            page.wait_for_function(
                f"() => document.querySelectorAll('.mu[data-unit-id]').length >= {args.units}", timeout=60_000
            )
            load_s = time.monotonic() - loading
            shown = page.evaluate(
                "() => [document.querySelectorAll('.mu[data-unit-id]').length,"
                " document.querySelectorAll('.mi[data-incident-id]').length,"
                " MapView.lineCount()]"
            )
            page.wait_for_timeout(1500)
            load_tasks = page.evaluate("() => window.__longtasks.slice()")
            page.evaluate(
                "() => { window.__longtasks = []; window.__mapStats.latencies = []; __mapStats.received = []; }"
            )
            page.evaluate("() => { window.__mapStats.events = 0; window.__mapStats.applied = 0; }")
            driven = drive(base, token, unit_ids, rate=args.rate, seconds=args.seconds, rng=rng)
            page.wait_for_timeout(2000)
            result = page.evaluate(
                "() => ({latencies: __mapStats.latencies, received: __mapStats.received, events: __mapStats.events,"
                " applied: window.__mapStats.applied, longtasks: window.__longtasks})"
            )
            page.screenshot(path="/tmp/map_bench.png")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()

    lat = sorted(result["latencies"])
    got = sorted(result["received"])
    tasks = result["longtasks"]
    print(
        f"live map, {args.units} units + {args.incidents} open incidents, {args.rate:g} position fixes/s "
        f"for {args.seconds:g} s (SQLite WAL, one server process, Chromium headless, 2 cores shared)"
    )
    print(
        f"  seeded in {seed_s:.1f} s; page with {shown[0]} unit markers, {shown[1]} incident markers, "
        f"{shown[2]} lines ready {load_s:.1f} s after sign-in"
    )
    print(
        f"  fixes sent {driven['sent']} in {driven['elapsed_s']:.1f} s ({driven['sent'] / driven['elapsed_s']:.1f}/s), "
        f"errors {driven['errors']}, sent >100 ms behind schedule {driven['late_sends']}"
    )
    print(f"  events applied by the page {result['applied']} (received {result['events']})")
    print(
        f"  emit -> marker and row updated: p50 {quantile(lat, 50):.1f} ms   p95 {quantile(lat, 95):.1f} ms   "
        f"p99 {quantile(lat, 99):.1f} ms   max {lat[-1] if lat else float('nan'):.1f} ms"
    )
    print(f"  of which emit -> received by the page: p50 {quantile(got, 50):.1f} ms   p95 {quantile(got, 95):.1f} ms")
    print(
        f"  long tasks during the stream: {len(tasks)}, longest {max(tasks, default=0):.0f} ms "
        f"(total {sum(tasks):.0f} ms in {driven['elapsed_s']:.0f} s)"
    )
    print(
        f"  long tasks while loading: {len(load_tasks)}, longest {max(load_tasks, default=0):.0f} ms "
        f"(first snapshot: every marker, row and line built)"
    )
    print(f"  floor (BENCHMARKS.md): {FLOOR}")


if __name__ == "__main__":
    main()
