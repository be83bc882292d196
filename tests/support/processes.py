"""Real server processes for scale-out tests: `flask --app wsgi serve`, gunicorn, `scheduler run`.

Each process writes to its own log file (a file, not a pipe: a chatty child never blocks), runs
from the repository root with the environment it is given, and is stopped (SIGTERM, then SIGKILL)
by `ProcessGroup.close()`, which a test calls in `finally`. `ProcessGroup.logs()` gives every
process's output for a failure message.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
LOG_TAIL = 6000  # characters of each log shown in a failure message


class ProcessFailed(AssertionError):
    """A process did not come up, or died: the message carries its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(**settings: str) -> dict[str, str]:
    """This process's environment without Flask/Werkzeug run-state, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WERKZEUG_", "FLASK_"))}
    for name in ("REDIS_URL", "DATABASE_URL", "EMBEDDED_WORKERS", "APP_ENV"):
        env.pop(name, None)
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(settings)
    return env


@dataclass
class ServerProcess:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    port: int | None = None
    popen: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        assert self.port is not None, f"{self.name} listens on no port"
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return int(self.popen.pid)

    def start(self) -> ServerProcess:
        with self.log_path.open("a") as output:
            self.popen = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT, text=True
            )
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        if self.alive():
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self, timeout: float = 15.0) -> None:
        if not self.alive():
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=10)

    def wait_healthy(self, timeout: float = 30.0) -> None:
        """Wait until GET /healthz answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise ProcessFailed(f"{self.name} exited with {self.popen.returncode}:\n{self.log()[-LOG_TAIL:]}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise ProcessFailed(f"{self.name} did not answer /healthz in {timeout:.0f} s:\n{self.log()[-LOG_TAIL:]}")

    def wait_for_log(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return
            if not self.alive():
                raise ProcessFailed(f"{self.name} exited with {self.popen.returncode}:\n{self.log()[-LOG_TAIL:]}")
            time.sleep(0.1)
        raise ProcessFailed(f"{self.name} did not log {text!r} in {timeout:.0f} s:\n{self.log()[-LOG_TAIL:]}")


class ProcessGroup:
    """The processes of one test. Use as a context manager, or call `close()` in `finally`."""

    def __init__(self, workdir: Path, env: Mapping[str, str]):
        self.workdir = workdir
        self.env = dict(env)
        self.processes: list[ServerProcess] = []

    def __enter__(self) -> ProcessGroup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _flask(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "flask", "--app", "wsgi", *args]

    def _launch(self, name: str, command: list[str], env: Mapping[str, str] | None, port: int | None) -> ServerProcess:
        merged = dict(self.env)
        merged.update(env or {})
        process = ServerProcess(name, command, merged, self.workdir / f"{name}.log", port)
        self.processes.append(process)
        return process.start()

    def serve(self, name: str, *, env: Mapping[str, str] | None = None, timeout: float = 30.0) -> ServerProcess:
        """`flask --app wsgi serve` on a free port, healthy when returned."""
        port = free_port()
        command = self._flask("serve", "--host", "127.0.0.1", "--port", str(port))
        process = self._launch(name, command, env, port)
        process.wait_healthy(timeout)
        return process

    def gunicorn(self, name: str, *, env: Mapping[str, str] | None = None, timeout: float = 30.0) -> ServerProcess:
        """`gunicorn -w 1 --threads 100 wsgi:app` on a free port, healthy when returned."""
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "1",
            "--threads",
            "100",
            "-b",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ]
        process = self._launch(name, command, env, port)
        process.wait_healthy(timeout)
        return process

    def scheduler(self, name: str, *, env: Mapping[str, str] | None = None, timeout: float = 30.0) -> ServerProcess:
        """`flask --app wsgi scheduler run`, returned once it says it is running."""
        process = self._launch(name, self._flask("scheduler", "run"), env, None)
        process.wait_for_log("scheduler running", timeout)
        return process

    def cli(self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 60.0) -> str:
        """Run one `flask --app wsgi ...` command to the end; its output, or ProcessFailed."""
        merged = dict(self.env)
        merged.update(env or {})
        done = subprocess.run(
            self._flask(*args), cwd=ROOT, env=merged, capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            raise ProcessFailed(f"flask {' '.join(args)} exited with {done.returncode}:\n{done.stdout}{done.stderr}")
        return done.stdout

    def close(self) -> None:
        for process in reversed(self.processes):
            try:
                process.stop()
            except Exception:  # noqa: S112 - stop the others whatever happens to one
                continue

    def logs(self) -> str:
        parts = [
            f"--- {p.name} (pid {p.popen.pid if p.popen else '-'}) ---\n{p.log()[-LOG_TAIL:]}" for p in self.processes
        ]
        return "\n".join(parts)


REDIS_SERVER = "/usr/bin/redis-server"


def redis_server_path() -> str | None:
    """The redis-server binary, or None when this machine has none."""
    found = shutil.which("redis-server")
    if found:
        return found
    return REDIS_SERVER if Path(REDIS_SERVER).exists() else None


def redis_answers(port: int) -> bool:
    """Whether a Redis on 127.0.0.1:`port` answers PING."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(group: ProcessGroup, name: str, port: int, *, timeout: float = 15.0) -> ServerProcess:
    """A redis-server of the test's own on `port`, nothing saved to disk; returned once it answers."""
    binary = redis_server_path()
    if binary is None:
        raise ProcessFailed("redis-server is not installed")
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = group._launch(name, command, None, port)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if redis_answers(port):
            return process
        if not process.alive():
            raise ProcessFailed(f"{name} exited with {process.popen.returncode}:\n{process.log()[-LOG_TAIL:]}")
        time.sleep(0.05)
    raise ProcessFailed(f"{name} did not answer PING in {timeout:.0f} s:\n{process.log()[-LOG_TAIL:]}")
