"""Benchmark: destinations for an incident among 200 facilities, with the database, printed beside
the unit recommendation's figures (bench/recommend_db_bench.py, run after it in its own process).

Run: ``cd /work/main && .venv/bin/python bench/facility_rank_bench.py [--database-url URL] [--facilities 200]``
(default: a fresh SQLite file in a temporary folder, WAL journal; a PostgreSQL URL must name an
empty scratch database: it is migrated and filled, then emptied for recommend_db_bench.py).

200 active facilities spread over Vermont, each with one to three bed types (a third of the counts
stale, a tenth never reported), and 20 incidents (a quarter of them youth). Per incident it times:

- service: facilities.destinations.read_destinations + rank (one query for the facilities, one
  for their beds, the pure ranking of facilities/rank.py with the straight-line router);
- endpoint: ``GET /api/v1/incidents/<id>/facilities`` through Flask's test client as a dispatcher
  with a bearer token (sign-in check, query parsing, the answer's JSON).

Prints p50/p95 in ms and the peak RSS, then recommend_db_bench.py's table, then the ratio of the
endpoint's p95 to the recommendation's end-to-end p95 at 100 and 1,000 units. Figures, never
assertions.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("APP_ENV", "testing")

LAT_RANGE = (42.73, 45.01)
LON_RANGE = (-73.43, -71.47)
RUNS = 300
LIMIT = 50  # the endpoint's default `limit`: the ranking is over all, geodesic distances for these
KINDS = ["crisis_receiving", "stabilization", "detox", "hospital_ed", "respite", "shelter"]
BED_TYPES = ["adult", "youth", "observation", "detox"]


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def fill(session, n: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    from facilities.models import Facility, FacilityBeds

    now = datetime.now(UTC)
    for i in range(n):
        age = rng.random()
        updated = None if age < 0.1 else now - timedelta(hours=rng.uniform(0, 4) if age > 0.43 else rng.uniform(4, 30))
        facility = Facility(
            name=f"Bench facility {i:03d}",
            kind=rng.choice(KINDS),
            address=f"{i} Bench Road, VT",
            lat=rng.uniform(*LAT_RANGE),
            lon=rng.uniform(*LON_RANGE),
            phone=f"+1802555{i:04d}",
            accepts_youth=rng.random() < 0.4,
            accepts_involuntary=rng.random() < 0.3,
            accepts_walk_in=rng.random() < 0.7,
            beds_updated_at=updated,
        )
        session.add(facility)
        session.flush()
        for bed_type in rng.sample(BED_TYPES, k=rng.randint(1, 3)):
            total = rng.randint(1, 20)
            session.add(
                FacilityBeds(facility_id=facility.id, bed_type=bed_type, total=total, available=rng.randint(0, total))
            )
    session.commit()


def incidents(session, rng: random.Random) -> list[int]:  # type: ignore[no-untyped-def]
    from flask import current_app

    from core.actors import Actor
    from core.deps import bus_of
    from dispatch.service import open_incident_for_call
    from triage.models import Call

    found = []
    for i in range(20):
        youth = i % 4 == 0
        call = Call(
            number=f"FB-{i}",
            lat=rng.uniform(*LAT_RANGE),
            lon=rng.uniform(*LON_RANGE),
            location_resolved=True,
            location_source="typed",
            questionnaire_id="bench",
            questionnaire_version=1,
            answers={},
            triage={"needs": {"language": None, "youth": youth}},
            risk_level="moderate",
            computed_disposition="mobile_team",
            disposition="mobile_team",
            priority="urgent",
        )
        session.add(call)
        session.flush()
        found.append(
            open_incident_for_call(session=session, call=call, by=Actor.system("bench"), bus=bus_of(current_app)).id
        )
    session.commit()
    return found


def recommend_figures(url: str | None) -> str:
    """recommend_db_bench.py's output (its own process: its own app, its own scratch database)."""
    command = [sys.executable, str(ROOT / "bench" / "recommend_db_bench.py")]
    if url:
        command += ["--database-url", url]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # it imports the app before it fixes sys.path
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False)
    return done.stdout + (f"(exit {done.returncode}) {done.stderr[-2000:]}" if done.returncode else "")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--facilities", type=int, default=200)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="facbench_")
    url = args.database_url or f"sqlite:///{tmp}/bench.db"

    from flask_migrate import upgrade

    from config import normalize_database_url
    from core.app import create_app
    from core.auth import create_user, issue_token
    from core.clock import now as clock_now
    from core.extensions import db
    from facilities.destinations import rank, read_destinations
    from facilities.rank import DEFAULT_ESTIMATOR

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalize_database_url(url), "INSTANCE_PATH": tmp})
    rng = random.Random(13)
    with app.app_context():
        upgrade()
        fill(db.session, args.facilities, rng)
        ids = incidents(db.session, rng)
        user = create_user(session=db.session, username="bench", password="bench bench", roles=["dispatcher"])
        token = issue_token(session=db.session, user=user, ttl_s=3600)
        db.session.commit()
        dialect = db.engine.dialect.name
        service: list[float] = []
        listed = 0
        for run in range(RUNS):
            t0 = time.perf_counter()
            query = read_destinations(
                session=db.session, incident_id=ids[run % len(ids)], now=clock_now(), stale_after_s=14_400
            )
            db.session.commit()
            ranked = rank(query, router=DEFAULT_ESTIMATOR, limit=LIMIT)
            service.append((time.perf_counter() - t0) * 1000)
            listed += len(ranked)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    endpoint: list[float] = []
    for run in range(RUNS):
        t0 = time.perf_counter()
        answer = client.get(f"/api/v1/incidents/{ids[run % len(ids)]}/facilities", headers=headers)
        endpoint.append((time.perf_counter() - t0) * 1000)
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    if args.database_url:  # leave the scratch database empty for recommend_db_bench.py
        with app.app_context():
            if db.engine.dialect.name == "postgresql":  # tables, triggers, functions, sequences
                db.session.execute(db.text("DROP SCHEMA public CASCADE"))
                db.session.execute(db.text("CREATE SCHEMA public"))
            else:
                db.drop_all()
                db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
    with app.app_context():
        db.engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"database: {dialect}" + (" (WAL)" if dialect == "sqlite" else ""))
    print(f"destinations among {args.facilities} facilities, {RUNS} runs over {len(ids)} incidents: all ranked,"
          f" the first {LIMIT} answered ({listed / RUNS:.0f} on average), straight-line router")  # fmt: skip
    print(f"{'':>10} {'p50 ms':>8} {'p95 ms':>8}")
    print(f"{'service':>10} {statistics.median(service):>8.2f} {p95(service):>8.2f}")
    print(f"{'endpoint':>10} {statistics.median(endpoint):>8.2f} {p95(endpoint):>8.2f}")
    print(f"peak RSS: {peak_mb:.0f} MB")
    print()
    print("beside it, bench/recommend_db_bench.py (rank units for an incident, same database kind):")
    figures = recommend_figures(args.database_url)
    print(figures.rstrip())
    for units in ("100", "1000"):
        row = re.search(rf"^\s*{units}\s+\S+\s*/\s*\S+\s+(\S+)\s*/\s*(\S+)", figures.replace(",", ""), re.M)
        if row:
            ratio = p95(endpoint) / float(row.group(2))
            print(f"facility endpoint p95 / recommendation end-to-end p95 at {units} units: {ratio:.1f}x")


if __name__ == "__main__":
    main()
