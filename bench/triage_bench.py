"""Triage benchmark: one evaluation, and POST /api/v1/calls with concurrent clients on a real server.

Run from the repository root:

    .venv/bin/python bench/triage_bench.py [--calls 400] [--clients 10] [--backends sqlite,postgresql]
        [--pg postgresql://postgres@127.0.0.1:5432/postgres]

1. Evaluation: p50/p95 of `triage.engine.evaluate` over random answer sets (bench/triage_eval_bench.py),
   against the 1 ms p95 target.
2. Calls: for each database, a scratch database made by `flask --app wsgi db upgrade`, an operator
   made by `flask --app wsgi users create`, and the server started as `flask --app wsgi serve` in its
   own process (relay and scheduler running, as in the embedded default). `--clients` threads of this
   process each post calls with their own bearer token and Idempotency-Key; prints p50/p95/p99 per
   request, throughput, and the p95 against the 50 ms target and beside BENCHMARKS.md's one-row
   insert+commit floor. Half the calls are resolved by phone, half open an incident (mobile team) when
   dispatch.service is there. The clients share the machine's cores with the server: the figures are
   the client's view, queueing included. SQLite runs in WAL mode (the app's setting).
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
import uuid
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from triage_eval_bench import percentile, random_answers  # noqa: E402

from triage.engine import evaluate  # noqa: E402
from triage.questionnaire import DEFAULT_QUESTIONNAIRE_ID, latest, load_directory  # noqa: E402

EVAL_TARGET_MS = 1.0
CALL_TARGET_MS = 50.0
# BENCHMARKS.md: one-row insert + commit, p95 (SQLite WAL, PostgreSQL).
INSERT_FLOOR_P95_MS = {"sqlite": 0.49, "postgresql": 2.1}
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
PASSWORD = "bench password 1"

SAFETY_NO = {
    "medical_emergency": "no",
    "attempt_in_progress": "no",
    "weapon_present": "no",
    "violence_now": "no",
    "violence_history": "no",
    "needs_in_person": "no",
    "youth": "no",
}
PHONE_ANSWERS = {"cssrs_1": "yes", "cssrs_2": "no", "cssrs_6": "no", **SAFETY_NO}
TEAM_ANSWERS = {"cssrs_1": "yes", "cssrs_2": "no", "cssrs_6": "yes", "cssrs_6_recent": "yes", **SAFETY_NO}


def bench_evaluation(sets: int) -> None:
    questionnaire = latest(load_directory(), DEFAULT_QUESTIONNAIRE_ID)
    rng = random.Random(7)
    answer_sets = [random_answers(questionnaire, rng) for _ in range(sets)]
    for answers in answer_sets[:200]:
        evaluate(questionnaire, answers)
    samples = []
    for answers in answer_sets:
        started = time.perf_counter_ns()
        evaluate(questionnaire, answers)
        samples.append((time.perf_counter_ns() - started) / 1e6)
    p95 = percentile(samples, 0.95)
    print(f"evaluate ({questionnaire.id} v{questionnaire.version}, {sets} answer sets, answer checks included)")
    print(
        f"  p50 {statistics.median(samples):.3f} ms  p95 {p95:.3f} ms  p99 {percentile(samples, 0.99):.3f} ms"
        f"  (p95 / {EVAL_TARGET_MS:g} ms target = {p95 / EVAL_TARGET_MS:.2f})"
    )


# --- a real server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(FLASK + args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def scratch_postgres(server_url: str) -> tuple[str, Any]:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from config import normalize_database_url

    name = f"bench_triage_{os.getpid()}"
    admin = sa.create_engine(normalize_database_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    url = make_url(normalize_database_url(server_url)).set(database=name).render_as_string(hide_password=False)
    return url, drop


def wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped while starting")
        try:
            if requests.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not become ready in 60 s")


def bench_calls(
    backend: str,
    database_url: str,
    *,
    calls: int,
    clients: int,
    workdir: Path,
    workers: bool = True,
    rates: tuple[float, ...] = (0.0,),
) -> None:
    env = dict(os.environ)
    env.update(
        APP_ENV="development",
        DATABASE_URL=database_url,
        INSTANCE_PATH=str(workdir),
        SECRET_KEY=uuid.uuid4().hex,
        PYTHONPATH=str(ROOT),
        EMBEDDED_WORKERS="1" if workers else "0",
    )
    run(["db", "upgrade"], env)
    names = [f"operator{n}" for n in range(clients)]
    for name in names:
        run(["users", "create", name, "--role", "operator", "--password", PASSWORD], env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (workdir / f"server-{backend}.log").open("wb")
    server = subprocess.Popen(
        [*FLASK, "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_ready(base, server)
        tokens = []
        for name in names:
            answer = requests.post(
                f"{base}/api/v1/auth/login", json={"username": name, "password": PASSWORD}, timeout=10
            )
            answer.raise_for_status()
            tokens.append(answer.json()["token"])
        with_team = True  # calls that need a team open their incident in the same request
        for rate in rates:
            measure_calls(
                backend, base, tokens, calls=calls, clients=clients, rate=rate, with_team=with_team, workers=workers
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def measure_calls(
    backend: str,
    base: str,
    tokens: list[str],
    *,
    calls: int,
    clients: int,
    rate: float,
    with_team: bool,
    workers: bool,
) -> None:
    """`clients` threads post calls; rate 0 = each sends its next call as soon as the last is answered
    (closed loop: saturation), rate R = the clients together send R calls a second at random moments
    (open loop: the latency a person at each console would see at that load)."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    per_client = max(1, calls // clients)
    start = threading.Barrier(clients + 1)

    def client(index: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {tokens[index]}"
        mine: list[float] = []
        rng = random.Random(index)
        next_at = 0.0
        for n in range(per_client + 5):  # the first 5 warm the connection and are not counted
            if n == 5:
                start.wait()
                next_at = time.perf_counter() + (rng.uniform(0, clients / rate) if rate else 0.0)
            if rate and n >= 5:  # open loop: each client sends at random moments, R/clients a second
                time.sleep(max(0.0, next_at - time.perf_counter()))
                next_at += rng.expovariate(rate / clients)
            team = with_team and n % 2 == 1
            body = {
                "caller": {"phone": "+18025550100"},
                "location": {"address": f"{100 + n} Main St, Burlington"},
                "answers": TEAM_ANSWERS if team else PHONE_ANSWERS,
            }
            started = time.perf_counter()
            answer = session.post(
                f"{base}/api/v1/calls", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=30
            )
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code != 201:
                with lock:
                    failures.append(f"{answer.status_code} {answer.text[:200]}")
            elif n >= 5:
                mine.append(elapsed)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    if failures:
        print(f"  {len(failures)} requests failed, e.g. {failures[0]}")
    if not latencies:
        return
    p95 = percentile(latencies, 0.95)
    floor = INSERT_FLOOR_P95_MS[backend]
    mix = "half phone, half mobile team (incident opened)" if with_team else "all resolved by phone"
    relay = "relay and scheduler in the server" if workers else "no relay or scheduler in the server"
    load = f"open loop at {rate:g} calls/s in all" if rate else "closed loop (each sends again at once)"
    print(f"POST /api/v1/calls on {backend}: {len(latencies)} calls, {clients} concurrent clients, {load}")
    print(f"  {mix}, {relay}")
    print(
        f"  p50 {statistics.median(latencies):.1f} ms  p95 {p95:.1f} ms  p99 {percentile(latencies, 0.99):.1f} ms"
        f"  throughput {len(latencies) / wall:.0f} calls/s"
    )
    print(
        f"  p95 / {CALL_TARGET_MS:g} ms target = {p95 / CALL_TARGET_MS:.2f};"
        f"  p95 / one-row insert+commit floor ({floor} ms) = {p95 / floor:.0f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--rates", default="0,10", help="calls/s for all clients together; 0 = closed loop")
    parser.add_argument("--no-workers", action="store_true", help="serve without the embedded relay and scheduler")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()

    bench_evaluation(args.sets)
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix=f"triage-bench-{backend}-") as folder:
            workdir = Path(folder)
            if backend == "sqlite":
                bench_calls(
                    backend,
                    f"sqlite:///{workdir / 'bench.db'}",
                    calls=args.calls,
                    clients=args.clients,
                    workdir=workdir,
                    workers=not args.no_workers,
                    rates=tuple(float(r) for r in args.rates.split(",")),
                )
            elif backend == "postgresql":
                try:
                    url, drop = scratch_postgres(args.pg)
                except Exception as error:
                    print(f"PostgreSQL skipped: {error}")
                    continue
                try:
                    bench_calls(
                        backend,
                        url,
                        calls=args.calls,
                        clients=args.clients,
                        workdir=workdir,
                        workers=not args.no_workers,
                        rates=tuple(float(r) for r in args.rates.split(",")),
                    )
                finally:
                    drop()
            else:
                raise SystemExit(f"unknown backend {backend!r}")


if __name__ == "__main__":
    main()
