"""Upgrading a SQLite database that already holds data keeps it: the batch migrations rebuild
tables (users among them), and nothing that points at a rebuilt table may be lost or refused."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
import sqlalchemy as sa

from core.app import create_app
from core.extensions import db

BEFORE_FACILITIES = "0011_incident_record"  # the revision before users gained facility_id (0012)


def test_upgrading_a_sqlite_database_with_users_keeps_their_roles_and_tokens(tmp_path: Path) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'crisis.db'}", "TESTING": True})
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE_FACILITIES)
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO users (id, username, password_hash, active, created_at, session_epoch) "
                "VALUES (1, 'ops1', 'x', 1, '2026-12-01 10:00:00', 0)"
            )
            connection.exec_driver_sql("INSERT INTO user_roles (user_id, role) VALUES (1, 'operator')")
            connection.exec_driver_sql(
                "INSERT INTO api_tokens (user_id, token_hash, created_at, expires_at) "
                "VALUES (1, 'h', '2026-12-01 10:00:00', '2026-12-02 10:00:00')"
            )

        flask_migrate.upgrade()  # to head: 0012 rebuilds users, 0013 again

        with db.engine.connect() as connection:
            roles = connection.execute(sa.text("SELECT user_id, role FROM user_roles")).all()
            tokens = connection.execute(sa.text("SELECT count(*) FROM api_tokens")).scalar_one()
            keys_on = connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one()
        db.session.remove()
        db.engine.dispose()
    assert roles == [(1, "operator")]
    assert tokens == 1
    assert keys_on == 1  # the connection handed back to the pool checks foreign keys again


def test_upgrading_a_database_with_calls_derives_their_report_facts(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from reports.facts import drift
    from tests.support.report_factories import make_response

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'crisis.db'}", "TESTING": True, "SECRET_KEY": "k"}
    )
    with app.app_context():
        flask_migrate.upgrade()
    received = datetime(2026, 11, 10, 10, tzinfo=UTC)
    make_response(
        app,
        received_at=received,
        steps=[("dispatch", received + timedelta(minutes=2)), ("on_scene", received + timedelta(minutes=20))],
    )
    with app.app_context():
        flask_migrate.downgrade(revision="0013_admin_2fa")  # as a database from before the facts
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            kinds = connection.execute(sa.text("SELECT kind, v FROM report_facts ORDER BY kind")).all()
            left = drift(connection)
        db.session.remove()
        db.engine.dispose()
    assert ("interval.response", 1200) in kinds and ("interval.answer_to_dispatch", 120) in kinds
    assert ("disposition.mobile_team", None) in kinds and ("incident", None) in kinds
    assert not left, str(left)
