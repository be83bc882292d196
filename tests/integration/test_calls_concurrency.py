"""Concurrent call intake on real commits: distinct numbers, and one call per Idempotency-Key."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import sqlalchemy as sa

from core.extensions import db
from core.ports import ports_of
from tests.support.factories import make_user
from tests.support.triage_factories import call_body
from triage.models import Call


def post_together(app: Any, token: str, keys: list[str]) -> list[Any]:
    """POST /calls from one thread per key, all released at once."""
    start = threading.Barrier(len(keys))

    def post(key: str) -> tuple[int, dict[str, Any]]:
        client = app.test_client()
        start.wait()
        response = client.post(
            "/api/v1/calls",
            json=call_body(),
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        )
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=len(keys)) as pool:
        return list(pool.map(post, keys))


def stored_calls(app: Any) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(sa.select(Call.id, Call.number)).all()
        db.session.remove()
    return [(row.id, row.number) for row in rows]


def test_twenty_concurrent_calls_get_twenty_distinct_numbers(live_app):
    _, token = make_user(live_app, "operator")
    results = post_together(live_app, token, [f"key-{n}" for n in range(20)])
    assert [status for status, _ in results] == [201] * 20
    numbers = {body["number"] for _, body in results}
    assert len(numbers) == 20
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 21))  # no gaps, no repeats
    assert len(stored_calls(live_app)) == 20


def test_one_key_from_five_threads_at_once_makes_one_call(live_app):
    _, token = make_user(live_app, "operator")
    results = post_together(live_app, token, ["double-click"] * 5)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 200, 200, 200, 201]
    assert len({body["id"] for _, body in results}) == 1
    assert len(stored_calls(live_app)) == 1


def test_duplicates_that_all_pass_the_first_check_still_make_one_call(live_app, monkeypatch, caplog):
    """All five requests get past the "key already used?" look-up before any has saved (they meet
    while locating, which holds no transaction, so on SQLite too): the unique constraint refuses
    four inserts and each of those answers with the winner's call."""
    locator = ports_of(live_app).locator
    real_locate = locator.locate
    inside = threading.Barrier(5)

    def locate_together(**kwargs: Any) -> Any:
        inside.wait(timeout=10)
        return real_locate(**kwargs)

    monkeypatch.setattr(locator, "locate", locate_together)
    _, token = make_user(live_app, "operator")
    with caplog.at_level("INFO", logger="triage.service"):
        results = post_together(live_app, token, ["raced"] * 5)
    assert sorted(status for status, _ in results) == [200, 200, 200, 200, 201]
    assert len({body["id"] for _, body in results}) == 1
    assert len(stored_calls(live_app)) == 1
    assert sum("reused concurrently" in r.getMessage() for r in caplog.records) == 4
