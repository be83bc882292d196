"""Fixtures shared by the whole suite.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL names one. The
schema is made by the Alembic migrations, once per run, into a template database; each test gets
a fresh app whose database work is rolled back at the end (`app`), or, for tests that need
several connections or a real server, a fresh copy of the template (`live_app`).

Outside CI a missing service (PostgreSQL, Redis, Chromium) skips its tests with the reason;
with CI=true it fails them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ["APP_ENV"] = "testing"

from tests.support.databases import TestDatabases
from tests.support.factories import Api

CI = os.environ.get("CI") == "true"


def need_service(reason: str) -> None:
    """Skip outside CI, fail under CI=true: CI must never pass by skipping."""
    if CI:
        pytest.fail(f"required service missing under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabases]:
    url = os.environ.get("TEST_DATABASE_URL", "")
    dbs = TestDatabases(url or None, tmp_path_factory.mktemp("db"))
    problem = dbs.unavailable()
    if problem:
        pytest.fail(problem) if CI else pytest.skip(problem)
    dbs.prepare()
    yield dbs
    dbs.cleanup()


class UnhandledErrors(logging.Handler):
    """Collects 'unhandled error' records: any 500 in a test is a failure of that test."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


# Loggers whose ERROR records mean the server failed: an unhandled request (500), a failed
# Socket.IO handler, a failed event relay or SMS relay pass, an unexpected timer failure.
WATCHED_LOGGERS = ("core.errors", "core.live", "core.relay", "notifications.relay", "reports.facts", "timers.sweep")


@pytest.fixture(autouse=True)
def no_server_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("allow_server_errors"):
        yield
        return
    handler = UnhandledErrors()
    loggers = [logging.getLogger(name) for name in WATCHED_LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
    yield
    for logger in loggers:
        logger.removeHandler(handler)
    if handler.records:
        messages = "; ".join(
            f"{r.getMessage()} {r.exc_info[1]!r}" if r.exc_info else r.getMessage() for r in handler.records
        )
        pytest.fail(f"the server logged an error: {messages}")


def _make_app(url: str, **overrides: Any) -> Any:
    from core.app import create_app

    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "PUBLIC_BASE_URL": "http://localhost",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app(databases: TestDatabases) -> Iterator[Any]:
    """A fresh app; everything the test writes is rolled back at the end."""
    from core.db import Session
    from core.extensions import db

    flask_app = _make_app(databases.main_url)
    with flask_app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"class_": Session, "bind": connection, "join_transaction_mode": "create_savepoint"}
        )
    try:
        yield flask_app
    finally:
        with flask_app.app_context():
            db.session.remove()
            db.session = original
            drift = _report_facts_drift(connection)
            outer.rollback()
            connection.close()
            db.engine.dispose()
    if drift:
        pytest.fail(f"the report facts differ from their records after this test: {drift}")


def _report_facts_drift(connection: Any) -> Any:
    """What the test left in the report facts that its records do not say (reports/facts.py):
    a write path that changed a call, incident, assignment or follow-up and missed its facts."""
    from reports.facts import drift

    with connection.begin_nested():
        return drift(connection)


@pytest.fixture
def live_app(databases: TestDatabases) -> Iterator[Any]:
    """A fresh app over its own fresh database: real commits, several connections, real servers."""
    from core.extensions import db

    url = databases.fresh_url()
    flask_app = _make_app(url)
    yield flask_app
    relay = flask_app.extensions.get("event_relay")
    if relay is not None:
        relay.stop()
    with flask_app.app_context():
        db.session.remove()
        db.engine.dispose()
    databases.drop(url)


@pytest.fixture
def make_app(databases: TestDatabases) -> Iterator[Any]:
    """Build extra apps with other settings over the main database; their engines are closed after."""
    from core.extensions import db

    made: list[Any] = []

    def build(**overrides: Any) -> Any:
        flask_app = _make_app(databases.main_url, **overrides)
        made.append(flask_app)
        return flask_app

    yield build
    for flask_app in made:
        with flask_app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def api(app: Any) -> Api:
    return Api(app)
