"""Benchmark: recommendation end to end through ``dispatch.service.recommend_units`` on a database.

Run: ``cd /work/main && .venv/bin/python bench/recommend_db_bench.py [--database-url URL]``
(default: a fresh SQLite file in a temporary folder, WAL journal; a PostgreSQL URL must name an
empty scratch database, which is migrated and filled).

For 100, 1,000 and 10,000 units spread over Vermont (60 % available) it times, per incident: a
read of every available unit (what the ranking would cost without the SQL bounding box) and the
whole call (growing SQL bounding box + the pure ranking of dispatch/recommend.py, straight-line
router). Prints p50/p95 in
ms beside the pure targets of the dispatch issue (1 / 5 / 30 ms p95), and the peak RSS.
Figures, never assertions.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app

from core.deps import bus_of

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

LAT_RANGE = (42.73, 45.01)
LON_RANGE = (-73.43, -71.47)
TARGET_P95_MS = {100: 1.0, 1_000: 5.0, 10_000: 30.0}
RUNS = {100: 200, 1_000: 100, 10_000: 30}


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def fill(session, n: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from dispatch.models import Unit

    session.execute(sa.delete(Unit))
    now = datetime.now(UTC)
    statuses = ["available"] * 6 + ["out_of_service", "off_duty", "off_duty", "out_of_service"]
    rows = []
    for i in range(n):
        fix = rng.random()
        lat, lon = rng.uniform(*LAT_RANGE), rng.uniform(*LON_RANGE)
        rows.append(
            {
                "call_sign": f"U{i:05d}",
                "phones": [f"+1802{i:07d}"],
                "languages": rng.sample(["en", "es", "fr", "ne", "sw"], k=rng.randint(1, 2)),
                "youth": rng.random() < 0.3,
                "home_lat": rng.uniform(*LAT_RANGE),
                "home_lon": rng.uniform(*LON_RANGE),
                "status": rng.choice(statuses),
                "status_changed_at": now,
                "lat": lat if fix > 0.1 else None,
                "lon": lon if fix > 0.1 else None,
                "location_at": now - timedelta(seconds=rng.uniform(0, 3600)) if fix > 0.1 else None,
                "created_at": now,
            }
        )
    session.execute(sa.insert(Unit), rows)
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="recbench_")
    url = args.database_url or f"sqlite:///{tmp}/bench.db"

    from flask_migrate import upgrade

    from config import normalize_database_url
    from core.actors import Actor
    from core.app import create_app
    from core.clock import now as clock_now
    from core.extensions import db
    from dispatch.service import DEFAULT_ESTIMATOR, dispatchable_candidates, open_incident_for_call, recommend_units
    from triage.models import Call

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalize_database_url(url), "INSTANCE_PATH": tmp})
    rng = random.Random(7)
    with app.app_context():
        upgrade()
        incidents = []
        for i in range(20):
            lat, lon = rng.uniform(*LAT_RANGE), rng.uniform(*LON_RANGE)
            call = Call(
                number=f"B-{i}",
                lat=lat,
                lon=lon,
                location_resolved=True,
                location_source="typed",
                questionnaire_id="bench",
                questionnaire_version=1,
                answers={},
                triage={"needs": {"language": rng.choice(["es", None]), "youth": None}},
                risk_level="moderate",
                computed_disposition="mobile_team",
                disposition="mobile_team",
                priority="urgent",
            )
            db.session.add(call)
            db.session.flush()
            incidents.append(
                open_incident_for_call(
                    session=db.session, call=call, by=Actor.system("bench"), bus=bus_of(current_app)
                ).id
            )
        db.session.commit()
        print(f"database: {db.engine.dialect.name}" + (" (WAL)" if db.engine.dialect.name == "sqlite" else ""))
        print(f"{'units':>7} {'read-all p50/p95 ms':>22} {'end-to-end p50/p95 ms':>24} {'pure target p95':>16}")
        for n in (100, 1_000, 10_000):
            fill(db.session, n, rng)
            prefilter: list[float] = []
            total: list[float] = []
            for run in range(RUNS[n]):
                incident_id = incidents[run % len(incidents)]
                t0 = time.perf_counter()
                dispatchable_candidates(session=db.session)
                t1 = time.perf_counter()
                recs = recommend_units(
                    session=db.session,
                    incident_id=incident_id,
                    router=DEFAULT_ESTIMATOR,
                    clock=clock_now,
                    stale_after_s=900,
                )
                t2 = time.perf_counter()
                db.session.rollback()
                assert recs, "no recommendation"
                prefilter.append((t1 - t0) * 1000)
                total.append((t2 - t1) * 1000)
            print(
                f"{n:>7} {statistics.median(prefilter):>10.2f} / {p95(prefilter):<9.2f}"
                f" {statistics.median(total):>11.2f} / {p95(total):<10.2f} {TARGET_P95_MS[n]:>10.1f}"
            )
        db.engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
