"""APScheduler running the timer sweep and the periodic jobs, started once per process.

Embedded default: `flask --app wsgi serve` calls `start_scheduler(app)` (through
core.background.start_background); scaled out, `flask --app wsgi scheduler run` calls it with
force=True in its own process. Either way one scheduler per process at most:
- a process-level flag (a second call returns the first scheduler);
- EMBEDDED_WORKERS off (several web processes, or tests) starts none unless forced;
- under Werkzeug's reloader only the child that serves (WERKZEUG_RUN_MAIN=true) starts one; the
  watching parent never does. `serve` runs without the reloader anyway.
Two schedulers in two processes never fire a timer twice: the sweep claims rows (timers/sweep.py).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from core.db import utcnow
from core.deps import settings_of
from core.extensions import db
from core.live import prune_events
from timers.handlers import HANDLERS
from timers.sweep import sweep

log = logging.getLogger(__name__)

SWEEP_JOB = "timers.sweep"
PRUNE_JOB = "events.prune"
PRUNE_EVERY_S = 3600

_lock = threading.Lock()
_scheduler: BackgroundScheduler | None = None


def reloader_parent(app: Flask) -> bool:
    """True in the watching parent of `flask run --reload`: it serves nothing, its child does."""
    return (
        bool(app.debug)
        and os.environ.get("FLASK_RUN_FROM_CLI") == "true"
        and (os.environ.get("WERKZEUG_RUN_MAIN") != "true")
    )


def run_sweep(app: Flask) -> Any:
    with app.app_context():
        try:
            result = sweep(
                session=db.session,
                handlers=HANDLERS,
                settings=settings_of(app),
            )
            if result.claimed:
                log.info("timer sweep: %s", result)
            return result
        finally:
            db.session.remove()


def run_prune(app: Flask) -> int:
    settings = settings_of(app)
    with app.app_context():
        try:
            return prune_events(
                session=db.session, keep_seconds=settings.event_retention_s, keep_count=settings.event_retention_count
            )
        finally:
            db.session.remove()


def start_scheduler(app: Flask, *, force: bool = False) -> BackgroundScheduler | None:
    """Start this process's scheduler (once); None where this process must not run one."""
    global _scheduler
    if not (force or app.config.get("EMBEDDED_WORKERS")):
        log.info("the scheduler runs in its own process (EMBEDDED_WORKERS is off)")
        return None
    if reloader_parent(app):
        log.info("reloader parent: the serving child starts the scheduler")
        return None
    with _lock:
        if _scheduler is not None:
            app.extensions["timer_scheduler"] = _scheduler
            return _scheduler
        scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
        every = settings_of(app).timer_sweep_s
        scheduler.add_job(
            run_sweep,
            "interval",
            args=[app],
            seconds=every,
            id=SWEEP_JOB,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=_now_utc(),  # first sweep at once: fire what fell due while down
        )
        scheduler.add_job(
            run_prune,
            "interval",
            args=[app],
            seconds=PRUNE_EVERY_S,
            id=PRUNE_JOB,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
        scheduler.start()
        _scheduler = scheduler
        app.extensions["timer_scheduler"] = scheduler
        log.info("scheduler started: timer sweep every %s s", every)
        return scheduler


def stop_scheduler(*, wait: bool = True) -> None:
    """Stop this process's scheduler (SIGTERM in `scheduler run`; tests)."""
    global _scheduler
    with _lock:
        if _scheduler is not None:
            _scheduler.shutdown(wait=wait)
            _scheduler = None


def running_scheduler() -> BackgroundScheduler | None:
    return _scheduler


def _now_utc() -> Any:
    return utcnow()
