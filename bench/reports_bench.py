"""Benchmark: the reports over 100,000 calls and their incidents, on SQLite and on PostgreSQL.

Run: ``cd /work/main && .venv/bin/python bench/reports_bench.py [--calls 100000] [--runs 20]
[--postgres postgresql://postgres@127.0.0.1:5432/postgres | --no-postgres] [--explain]``

Fills a fresh SQLite file (WAL, as the app runs it) and a scratch PostgreSQL database (created
here and dropped at the end; VACUUM ANALYZEd after the load, as autovacuum would) with 42 days of
calls: phone 45 %, mobile team 35 %, co-response 8 %, 911 12 %; an incident for each team call
with realistic milestones (some requeued, i.e. dispatched twice, some cancelled, some
transported), outcomes, police presence, service areas, follow-ups with attempts and 911
transfers, inserted in bulk; the report facts are then derived from them by
reports.facts.rebuild (as the migration does for an existing database; the time is printed).
Then times, over `--runs` runs each, p50/p95 in ms:

* the 30-day summary through the API (GET /api/v1/reports/summary, a supervisor's token),
* the 30-day daily report through the API (GET /api/v1/reports/daily),
* and, to say where the time goes, the counts and the intervals of reports/figures.py alone
  (a 30-day summary, and 30 days one by one), and what keeping the facts costs a write
  (`refresh` of one call, in a transaction rolled back).

The goal of issue 14 is a 30-day summary under 300 ms. Figures, never assertions.

Figures (2-core box, --runs 20, p50 / p95 ms; this box's speed varied by up to 1.5x over an
hour, so each "before" ran next to an "after"):
- before (the join of calls, incidents, assignments and attempts per report, main at ce7392a):
  30-day summary SQLite 646 / 650 and 909 / 1170, PostgreSQL 443 / 447 and 719 / 807;
  30-day daily report SQLite 1207 / 1216, PostgreSQL 875 / 893
- after (report facts, 21cd14d): 30-day summary SQLite 120 / 159, PostgreSQL 182 / 223;
  30-day daily report SQLite 609 / 790, PostgreSQL 400 / 444; refreshing one call's facts
  0.9 / 1.5 (SQLite), 9.2 / 11.1 (PostgreSQL, with the transaction around it)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

END = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # local midnight in New York
DAYS = 42
GOAL_MS = 300.0
OUTCOMES = [
    "stabilized_on_scene",
    "stabilized_on_scene",
    "stabilized_on_scene",
    "referred_outpatient",
    "referred_outpatient",
    "declined_services",
    "transported_crisis_facility",
    "transported_hospital_voluntary",
    "involuntary_hold",
    "handed_to_ems",
    "handed_to_police",
    "unable_to_locate",
]


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def _seconds(rng: random.Random, median: float, spread: float = 0.6) -> timedelta:
    return timedelta(seconds=max(5.0, rng.lognormvariate(0, spread) * median))


def generate(n_calls: int, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """Rows of every table, ids given, in insertion order."""
    start = END - timedelta(days=DAYS)
    span = (END - start).total_seconds()
    rows: dict[str, list[dict[str, Any]]] = {
        "units": [],
        "facilities": [],
        "calls": [],
        "incidents": [],
        "assignments": [],
        "followups": [],
        "followup_attempts": [],
    }
    for u in range(1, 21):
        rows["units"].append(
            {"id": u, "call_sign": f"MCT-{u}", "phones": [], "languages": ["en"], "youth": False,
             "home_lat": 44.47, "home_lon": -73.21, "status": "available", "status_changed_at": END,
             "created_at": start}
        )  # fmt: skip
    rows["facilities"].append(
        {"id": 1, "name": "Crisis Center", "kind": "crisis_receiving", "address": "1 Main St", "lat": 44.47,
         "lon": -73.21, "accepts_youth": True, "accepts_involuntary": True, "accepts_walk_in": True,
         "active": True, "created_at": start}
    )  # fmt: skip
    received = sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(n_calls))
    incident_id = assignment_id = followup_id = attempt_id = 0
    for call_id, at in enumerate(received, start=1):
        kind = rng.random()
        disposition = (
            "phone" if kind < 0.45 else "mobile_team" if kind < 0.80 else "co_response" if kind < 0.88 else "911"
        )
        disposition = "emergency_911" if disposition == "911" else disposition
        if disposition == "phone":
            priority = None
        elif disposition == "emergency_911":
            priority = "emergent"
        else:
            priority = rng.choices(["emergent", "urgent", "routine"], weights=[30, 65, 5])[0]
        transfer_at = None
        if disposition == "emergency_911" and rng.random() < 0.9:
            transfer_at = at + _seconds(rng, 90)
        rows["calls"].append(
            {"id": call_id, "number": f"C-{call_id:07d}", "received_at": at, "saved_at": at + timedelta(minutes=4),
             "status": "closed", "questionnaire_id": "cssrs_screener_recent", "questionnaire_version": 1,
             "answers": {}, "triage": {}, "risk_level": rng.choice(["low", "moderate", "high"]),
             "computed_disposition": disposition, "computed_priority": priority, "disposition": disposition,
             "priority": priority, "location_resolved": True, "transfer_to": "911" if transfer_at else None,
             "transfer_at": transfer_at}
        )  # fmt: skip
        followup_from = at + timedelta(minutes=4) if disposition != "mobile_team" else None
        if disposition in ("mobile_team", "co_response"):
            incident_id += 1
            rural = rng.random() < 0.2
            area = "Hills" if rural else ("Downtown" if rng.random() < 0.85 else None)
            inc: dict[str, Any] = {
                "id": incident_id, "number": f"I-{incident_id:07d}", "call_id": call_id, "status": "closed",
                "priority": priority, "disposition": disposition, "location_resolved": True, "flags": [],
                "version": 1, "created_at": at + timedelta(minutes=3), "area": area,
                "dispatched_at": None, "acknowledged_at": None, "en_route_at": None, "on_scene_at": None,
                "transporting_at": None, "at_facility_at": None, "cleared_at": None, "cancelled_at": None,
                "outcome": None, "police_present": None, "facility_id": None, "unit_id": None,
            }  # fmt: skip
            if rng.random() < 0.04:  # cancelled before any dispatch
                inc.update(status="cancelled", cancelled_at=at + _seconds(rng, 600))
            else:
                t = at + _seconds(rng, 300 if priority == "emergent" else 900, 0.8)
                dispatches = [t]
                if rng.random() < 0.06:  # declined or broke down: dispatched again
                    t = t + _seconds(rng, 240)
                    dispatches.append(t)
                for when in dispatches:
                    assignment_id += 1
                    rows["assignments"].append(
                        {"id": assignment_id, "incident_id": incident_id, "unit_id": rng.randint(1, 20),
                         "assigned_at": when}
                    )  # fmt: skip
                inc["dispatched_at"] = t
                if rng.random() < 0.85:
                    t = t + _seconds(rng, 60)
                    inc["acknowledged_at"] = t
                t = t + _seconds(rng, 180)
                inc["en_route_at"] = t
                t = t + _seconds(rng, 2400 if rural else 900)
                inc["on_scene_at"] = t
                t = t + _seconds(rng, 2700)
                if rng.random() < 0.12:
                    inc.update(transporting_at=t, at_facility_at=t + _seconds(rng, 900), facility_id=1)
                    t = inc["at_facility_at"] + _seconds(rng, 600)
                inc.update(
                    cleared_at=t,
                    outcome=rng.choice(OUTCOMES) if rng.random() < 0.95 else None,
                    police_present=rng.random() < (0.6 if disposition == "co_response" else 0.05),
                )
                followup_from = t
            rows["incidents"].append(inc)
        if followup_from is not None:
            followup_id += 1
            due = followup_from + timedelta(hours=24)
            rows["followups"].append(
                {"id": followup_id, "call_id": call_id, "incident_id": incident_id if disposition != "phone" and
                 disposition != "emergency_911" else None, "risk_level": "moderate", "started_at": followup_from,
                 "due_at": due, "state": "done", "attempts": 1}
            )  # fmt: skip
            for _ in range(rng.choice([1, 1, 2])):
                attempt_id += 1
                rows["followup_attempts"].append(
                    {"id": attempt_id, "followup_id": followup_id, "at": followup_from + _seconds(rng, 20 * 3600),
                     "outcome": rng.choice(["reached", "reached", "no_answer", "declined"])}
                )  # fmt: skip
    return rows


def load(db: Any, rows: dict[str, list[dict[str, Any]]]) -> float:
    """Insert the rows (as a bulk import would), then derive the report facts from them with
    reports.facts.rebuild; returns how long the rebuild took, in seconds."""
    import sqlalchemy as sa

    from reports.facts import rebuild

    tables = db.metadata.tables
    with db.engine.begin() as connection:
        for name, batch in rows.items():
            for i in range(0, len(batch), 5000):
                connection.execute(sa.insert(tables[name]), batch[i : i + 5000])
    t0 = time.perf_counter()
    with db.engine.begin() as connection:
        facts = rebuild(connection)
    rebuilt_s = time.perf_counter() - t0
    print(f"report facts: {facts:,} rows, rebuilt in {rebuilt_s:.1f} s")
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    return rebuilt_s


def timed(function: Callable[[], Any], runs: int) -> tuple[float, float, float]:
    """p50 and p95 of the wall time, and p50 of this process's CPU time (SQLite's work is in this
    process: its CPU time is what a loaded machine does not blur), in ms."""
    function()  # warm: plans, caches
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), p95(wall), statistics.median(cpu)


def bench(url: str, rows: dict[str, list[dict[str, Any]]], runs: int, explain: bool, tmp: str) -> None:
    from flask_migrate import upgrade

    from config import normalize_database_url
    from core.app import create_app
    from core.auth import create_user, issue_token
    from core.db import read_only
    from core.extensions import db
    from core.ports import EXTENSION, ports_of
    from reports import figures
    from reports.periods import Period, local_days
    from reports.service import report_filters
    from tests.support.report_factories import AREAS

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": normalize_database_url(url), "INSTANCE_PATH": tmp, "TIMEZONE": "America/New_York"}
    )
    from dataclasses import replace

    from geo.areas import parse_areas

    app.extensions[EXTENSION] = replace(ports_of(app), areas=parse_areas(AREAS))
    with app.app_context():
        upgrade()
        t0 = time.perf_counter()
        load(db, rows)
        loaded_s = time.perf_counter() - t0
        user = create_user(session=db.session, username="bench", password="bench-password", roles=("supervisor",))
        token = issue_token(session=db.session, user=user, ttl_s=3600)
        db.session.commit()
        dialect = db.engine.dialect.name
    period = Period(start=END - timedelta(days=30), end=END)
    in_period = sum(1 for c in rows["calls"] if period.start <= c["received_at"] < period.end)
    print(f"\n== {dialect}: {len(rows['calls']):,} calls, {len(rows['incidents']):,} incidents, "
          f"{len(rows['assignments']):,} assignments, {len(rows['followups']):,} follow-ups "
          f"(loaded in {loaded_s:.1f} s); the 30 days hold {in_period:,} calls")  # fmt: skip
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    query = f"from={period.start.isoformat()}&to={period.end.isoformat()}".replace("+", "%2B")

    def get(path: str) -> Callable[[], Any]:
        def call() -> None:
            answer = client.get(f"/api/v1/reports/{path}?{query}", headers=headers)
            assert answer.status_code == 200, answer.get_data(as_text=True)[:300]

        return call

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'what':<44} {'p50 ms':>9} {'p95 ms':>9} {'cpu p50':>9}")
    for label, path in (("30-day summary (API)", "summary"), ("30-day daily report, 30 days (API)", "daily")):
        p50, p95_, cpu = timed(get(path), runs)
        goal = f"   goal < {GOAL_MS:.0f} ms: {'met' if p95_ < GOAL_MS else 'NOT met'}" if path == "summary" else ""
        print(f"{label:<44} {p50:>9.1f} {p95_:>9.1f} {cpu:>9.1f}{goal}")
    with app.app_context():
        filters = report_filters(priority=None, area=None, areas=ports_of(app).areas, targets=figures.ArrivalTargets())
        from zoneinfo import ZoneInfo

        days = local_days(period, ZoneInfo("America/New_York"))
        for label, periods in (("summary", [period]), ("daily", days)):
            for name in ("counts", "intervals"):
                query_function = getattr(figures, name)

                def one(query_function: Any = query_function, periods: Any = periods) -> None:
                    with read_only(db.engine) as connection:
                        query_function(session=connection, periods=periods, filters=filters)

                p50, p95_, cpu = timed(one, runs)
                print(f"  {label} query {name:<30} {p50:>9.1f} {p95_:>9.1f} {cpu:>9.1f}")
        from reports.facts import refresh

        calls = iter(range(1, len(rows["calls"]) + 1, 7))

        def refresh_one() -> None:
            with db.engine.connect() as connection, connection.begin() as transaction:
                refresh(connection, call_ids=[next(calls)])
                transaction.rollback()

        p50, p95_, cpu = timed(refresh_one, runs * 5)
        print(f"  {'refresh the facts of one call (a write)':<42} {p50:>9.1f} {p95_:>9.1f} {cpu:>9.1f}")
        if explain:
            _explain(db, dialect, period, filters)
        db.engine.dispose()


def _explain(db: Any, dialect: str, period: Any, filters: Any) -> None:
    """The plans of the three queries of a 30-day summary (PostgreSQL: with their timings)."""
    from reports import figures

    class Capture:
        dialect = db.engine.dialect

        def __init__(self) -> None:
            self.statements: list[Any] = []

        def execute(self, statement: Any) -> list[Any]:
            self.statements.append(statement)
            return []

    for name in ("counts", "intervals"):
        capture = Capture()
        getattr(figures, name)(session=capture, periods=[period], filters=filters)
        prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN (ANALYZE, COSTS OFF) "
        for statement in capture.statements[:2]:
            compiled = statement.compile(db.engine, compile_kwargs={"render_postcompile": True})
            params = (
                compiled.params if dialect == "postgresql" else tuple(compiled.params[k] for k in compiled.positiontup)
            )
            with db.engine.connect() as connection:
                print(f"-- plan of {name}:")
                for row in connection.exec_driver_sql(prefix + str(compiled), params):
                    print("   ", row[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database (its name is printed)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    rows = generate(args.calls, random.Random(14))
    print(f"generated {args.calls:,} calls in {time.perf_counter() - t0:.1f} s")
    tmp = tempfile.mkdtemp(prefix="reportsbench_")
    if not args.no_sqlite:
        bench(f"sqlite:///{tmp}/bench.db", rows, args.runs, args.explain, tmp)
    if not args.no_postgres:
        import psycopg

        name = f"reports_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            base = args.postgres.rsplit("/", 1)[0]
            bench(f"{base}/{name}", rows, args.runs, args.explain, tmp)
        finally:
            if args.keep:
                print(f"kept PostgreSQL database {name}")
            else:
                with psycopg.connect(args.postgres, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
