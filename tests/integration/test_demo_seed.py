"""`flask --app wsgi demo seed`: units in Burlington, the city's address points, one user per role."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import User
from dispatch.models import Unit
from geo.models import AddressPointRow


def counts(app):
    with app.app_context():
        models = (Unit, User, AddressPointRow)
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models)


def test_seeding_twice_changes_nothing(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "passwords are shown only this once" in first.output
    units, users, points = counts(app)
    assert (units, users, points) == (6, 5, 12048)
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    assert "passwords are shown" not in second.output  # never printed again
    assert counts(app) == (units, users, points)


@pytest.mark.slow  # hashes every demo password
def test_the_demo_users_can_sign_in_with_the_printed_passwords(app):
    output = app.test_cli_runner().invoke(args=["demo", "seed"]).output
    line = next(line for line in output.splitlines() if line.strip().startswith("dispatcher"))
    password = line.split()[1]
    answer = app.test_client().post("/api/v1/auth/login", json={"username": "dispatcher", "password": password})
    assert answer.status_code == 200 and answer.get_json()["user"]["roles"] == ["dispatcher"]
