"""`flask --app wsgi demo seed`: units and facilities in Burlington, the city's address points, one user per role."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import User
from dispatch.models import Unit
from facilities.models import Facility
from geo.models import AddressPointRow


def counts(app):
    with app.app_context():
        models = (Unit, User, AddressPointRow, Facility)
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models)


def test_seeding_twice_changes_nothing(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "passwords are shown only this once" in first.output
    assert counts(app) == (6, 6, 12048, 6)
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    assert "passwords are shown" not in second.output  # never printed again
    assert counts(app) == (6, 6, 12048, 6)


@pytest.mark.slow  # hashes every demo password
def test_the_demo_users_can_sign_in_with_the_printed_passwords(app):
    output = app.test_cli_runner().invoke(args=["demo", "seed"]).output
    line = next(line for line in output.splitlines() if line.strip().startswith("dispatcher"))
    password = line.split()[1]
    answer = app.test_client().post("/api/v1/auth/login", json={"username": "dispatcher", "password": password})
    assert answer.status_code == 200 and answer.get_json()["user"]["roles"] == ["dispatcher"]


def test_demo_facilities_are_labelled_demo_and_stand_on_real_address_points(app):
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    with app.app_context():
        facilities = db.session.scalars(sa.select(Facility)).all()
        for facility in facilities:
            assert facility.name.startswith("Demo ") and facility.active
            number, street = facility.address.split(",")[0].split(" ", 1)
            point = db.session.scalars(
                sa.select(AddressPointRow).where(AddressPointRow.number == number, AddressPointRow.street == street)
            ).first()
            assert point is not None and (point.lat, point.lon) == (facility.lat, facility.lon)
    assert {f.kind for f in facilities} >= {"crisis_receiving", "hospital_ed", "detox"}
    with app.app_context():
        facilities = db.session.scalars(sa.select(Facility)).all()
        assert all(f.beds and f.beds_updated_at is not None for f in facilities)
        assert {row.bed_type for f in facilities for row in f.beds} == {"adult", "youth", "observation", "detox"}
        assert all(0 <= row.available <= row.total for f in facilities for row in f.beds)
        desk = db.session.scalars(sa.select(User).where(User.username == "facility1")).one()
        assert desk.roles == ["facility"] and db.session.get(Facility, desk.facility_id).name.startswith("Demo ")
