"""Wiring: the follow-up API and queue partial, the scheduler CLI. (What starts and cancels timers is
timers/handlers.py `EVENT_HANDLERS`, subscribed by core.app.create_app.)"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

import click
from flask import Blueprint, Flask, current_app
from flask.cli import AppGroup

from core.background import start_background
from core.clock import now
from core.extensions import db
from notifications.sending import stop_sms_relay
from timers.models import TimerProbe
from timers.scheduler import run_sweep, start_scheduler, stop_scheduler
from timers.service import PROBE, start_timer
from timers.views import api

log = logging.getLogger(__name__)

scheduler_cli = AppGroup("scheduler", help="The timer sweep and periodic jobs.")
pages = Blueprint(
    "timers", __name__, template_folder="templates", static_folder="static", static_url_path="/static/timers"
)


def init_app(app: Flask) -> None:
    if "timers" not in app.blueprints:
        app.register_blueprint(api)
        app.register_blueprint(pages)
    app.cli.add_command(scheduler_cli)


@scheduler_cli.command("run")
def run_command() -> None:
    """Run the timer sweep, the periodic jobs and the event relay in this process until SIGTERM."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()

    def _stop(signum: int, _frame: Any) -> None:
        log.info("signal %s: stopping the scheduler", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    relay = start_background(app, force=True)
    start_scheduler(app, force=True)
    click.echo(f"scheduler running: timer sweep every {app.config['TIMER_SWEEP_S']} s", err=True)
    while not stop.wait(1.0):
        pass
    stop_scheduler(wait=True)
    stop_sms_relay(app)
    if relay is not None:
        relay.stop()
    click.echo("scheduler stopped", err=True)


@scheduler_cli.command("sweep")
def sweep_command() -> None:
    """Fire every timer that is due now, once, and say how many."""
    result = run_sweep(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(f"claimed {result.claimed}, fired {result.fired}, skipped {result.skipped}, failed {result.failed}")


@scheduler_cli.command("probe")
@click.option("--wait", "wait_s", default=30.0, show_default=True, help="Seconds to wait for a scheduler to fire it.")
def probe_command(wait_s: float) -> None:
    """Check that a scheduler is sweeping: start a timer due now and wait for it to fire."""
    timer = start_timer(session=db.session, kind=PROBE, due_at=now())
    db.session.commit()
    timer_id = timer.id
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        probe = db.session.query(TimerProbe).filter_by(timer_id=timer_id).first()
        db.session.rollback()
        if probe is not None:
            click.echo(f"fired by {probe.fired_by}")
            return
        time.sleep(0.5)
    raise click.ClickException(f"no scheduler fired probe timer {timer_id} within {wait_s:g} s")
