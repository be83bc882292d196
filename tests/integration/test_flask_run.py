"""`flask --app wsgi run` (CONTRACT "Operations (amended)"): in the embedded default it refuses and
names `flask --app wsgi serve`; with the workers in the scheduler process it is a web process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support.processes import ROOT, ServerProcess, base_env, free_port

pytestmark = pytest.mark.slow  # real processes


def development_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    return base_env(
        APP_ENV="development",
        INSTANCE_PATH=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/crisis.db",
        SECRET_KEY="flask-run-test",
        **settings,
    )


@pytest.mark.parametrize("options", [[], ["--debug"]], ids=["run", "run --debug"])
def test_flask_run_refuses_in_the_embedded_default_and_names_serve(tmp_path, options):
    port = free_port()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "run", *options, "--port", str(port)],
        cwd=ROOT,
        env=development_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "no event relay, no SMS relay and no timer scheduler" in done.stderr
    assert "flask --app wsgi serve" in done.stderr
    with pytest.raises(requests.ConnectionError):  # and nothing was left listening
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_flask_run_is_a_web_process_when_the_workers_run_in_the_scheduler_process(tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port)]
    env = development_env(tmp_path, EMBEDDED_WORKERS="0")
    server = ServerProcess("flask-run", command, env, tmp_path / "flask-run.log", port).start()
    try:
        server.wait_healthy()
    finally:
        server.stop()
