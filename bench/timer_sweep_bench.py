"""Timer sweep throughput: N due probe timers fired by one in-process sweep.

    .venv/bin/python bench/timer_sweep_bench.py [N]                  # SQLite (WAL) in a temp dir
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<scratch> .venv/bin/python bench/timer_sweep_bench.py

The PostgreSQL database must be empty (the bench migrates it). Floor (BENCHMARKS.md): one-row
insert + commit p50 SQLite WAL 0.34 ms, PostgreSQL 0.9 ms; each fired timer is one such commit.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

import sqlalchemy as sa

FLOOR_MS = {"sqlite": 0.34, "postgresql": 0.9}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    from config import normalize_database_url
    from core.db import utcnow
    from core.extensions import db
    from tests.support.databases import migrate
    from tests.support.timer_factories import sweep_now
    from timers.models import Timer

    url = normalize_database_url(url)
    migrate(url)
    from core.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        due = utcnow() - timedelta(seconds=1)
        db.session.execute(
            sa.insert(Timer),
            [{"kind": "probe", "due_at": due, "state": "pending", "created_at": due, "attempts": 0} for _ in range(n)],
        )
        db.session.commit()
        started = time.perf_counter()
        result = sweep_now()
        elapsed = time.perf_counter() - started
        dialect = db.engine.dialect.name
    per_ms = elapsed * 1000 / max(result.fired, 1)
    print(
        f"{dialect}: {result.fired} of {n} timers fired by one sweep in {elapsed:.2f} s "
        f"= {result.fired / elapsed:,.0f}/s, {per_ms:.2f} ms each "
        f"({per_ms / FLOOR_MS[dialect]:.1f}x the one-row commit floor {FLOOR_MS[dialect]} ms)"
    )


if __name__ == "__main__":
    main()
