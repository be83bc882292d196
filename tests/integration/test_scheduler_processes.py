"""One scheduler per process, none where it must not run, and two scheduler processes that
never fire a timer twice."""

from __future__ import annotations

import inspect
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import core.cli
from core.db import utcnow
from core.extensions import db

ROOT = Path(__file__).resolve().parents[2]
TIMERS = 5000


@pytest.fixture
def no_scheduler() -> Any:
    from timers.scheduler import stop_scheduler

    stop_scheduler(wait=True)
    yield
    stop_scheduler(wait=True)


def test_start_scheduler_twice_in_one_process_gives_one_scheduler(app: Any, no_scheduler: Any) -> None:
    from timers.scheduler import SWEEP_JOB, start_scheduler

    first = start_scheduler(app, force=True)
    second = start_scheduler(app, force=True)
    assert first is not None and second is first
    job = first.get_job(SWEEP_JOB)
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, None)
    assert job.trigger.interval == timedelta(seconds=app.config["TIMER_SWEEP_S"])


def test_no_scheduler_when_embedded_workers_are_off(app: Any, no_scheduler: Any) -> None:
    from timers.scheduler import running_scheduler, start_scheduler

    app.config["EMBEDDED_WORKERS"] = False
    assert start_scheduler(app) is None
    assert running_scheduler() is None


def test_the_reloaders_watching_parent_starts_none_and_its_serving_child_one(
    app: Any, no_scheduler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from timers.scheduler import start_scheduler

    app.config["EMBEDDED_WORKERS"] = True
    app.debug = True
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert start_scheduler(app) is None
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    assert start_scheduler(app) is not None


def test_serve_runs_without_the_reloader() -> None:
    source = inspect.getsource(core.cli.register_cli)
    assert "use_reloader=False" in source


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WERKZEUG_", "FLASK_"))}
    env.update(
        APP_ENV="development",
        DATABASE_URL=url,
        INSTANCE_PATH=str(tmp_path),
        PYTHONPATH=str(ROOT),
        SECRET_KEY="test-secret-key",
        TIMER_SWEEP_S="1",
        **extra,
    )
    env.pop("REDIS_URL", None)
    return env


def _flask(*args: str, env: dict[str, str], log: Path) -> Any:
    with log.open("w") as output:  # a file, not a pipe: a chatty child never blocks on a full pipe
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    process.log = log
    return process


def _stop(process: Any) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return str(process.log.read_text())


@pytest.mark.slow  # starts `flask serve` and a probe process
@pytest.mark.parametrize("embedded", [True, False])
def test_serve_starts_the_scheduler_only_with_embedded_workers(databases: Any, tmp_path: Path, embedded: bool) -> None:
    url = databases.fresh_url()
    env = _env(url, tmp_path, EMBEDDED_WORKERS="1" if embedded else "0")
    server = _flask("serve", "--port", str(_free_port()), env=env, log=tmp_path / "serve.log")
    try:
        probe = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "probe", "--wait", "8"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if embedded:
            assert probe.returncode == 0, probe.stdout + probe.stderr
            assert f":{server.pid}:" in probe.stdout  # fired by the web process itself
        else:
            assert probe.returncode != 0 and "no scheduler fired" in probe.stderr
    finally:
        _stop(server)
        databases.drop(url)


@pytest.mark.slow  # two scheduler processes, 5000 timers
def test_two_scheduler_processes_fire_each_of_5000_timers_exactly_once(databases: Any, tmp_path: Path) -> None:
    """The figure printed here is quoted in the closing note (both databases)."""
    from tests.conftest import _make_app
    from timers.models import Timer, TimerProbe

    url = databases.fresh_url()
    app = _make_app(url)
    due = utcnow() - timedelta(seconds=5)
    with app.app_context():
        db.session.execute(
            sa.insert(Timer),
            [
                {"kind": "probe", "due_at": due, "state": "pending", "created_at": due, "attempts": 0}
                for _ in range(TIMERS)
            ],
        )
        db.session.commit()
    env = _env(url, tmp_path)
    started = time.monotonic()
    schedulers = [_flask("scheduler", "run", env=env, log=tmp_path / f"scheduler{n}.log") for n in range(2)]
    outputs: list[str] = []
    try:
        done = 0
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with app.app_context():
                done = db.session.scalar(sa.select(sa.func.count()).select_from(Timer).where(Timer.state == "fired"))
                db.session.remove()
            if done == TIMERS or any(p.poll() is not None for p in schedulers):
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
    finally:
        outputs = [_stop(p) for p in schedulers]
    try:
        with app.app_context():
            fired = db.session.scalar(sa.select(sa.func.count()).select_from(TimerProbe))
            distinct = db.session.scalar(sa.select(sa.func.count(sa.distinct(TimerProbe.timer_id))))
            by_process = dict(
                db.session.execute(sa.select(TimerProbe.fired_by, sa.func.count()).group_by(TimerProbe.fired_by)).all()
            )
            span = db.session.execute(
                sa.select(sa.func.min(TimerProbe.fired_at), sa.func.max(TimerProbe.fired_at))
            ).one()
            left = db.session.scalar(sa.select(sa.func.count()).select_from(Timer).where(Timer.state != "fired"))
            db.session.remove()
            db.engine.dispose()
    finally:
        databases.drop(url)
    processes: dict[str, int] = {}
    for owner, count in by_process.items():
        pid = owner.split(":")[1]
        processes[pid] = processes.get(pid, 0) + count
    print(
        f"\n{TIMERS} due timers, 2 scheduler processes, {url.split(':')[0]}: "
        f"all fired in {elapsed:.1f} s from launch (first to last fire {(span[1] - span[0]).total_seconds():.1f} s); "
        f"per process {sorted(processes.values(), reverse=True)}"
    )
    assert done == TIMERS, "\n".join(outputs)[-3000:]
    assert (fired, distinct, left) == (TIMERS, TIMERS, 0)  # each timer's effect written exactly once
