"""Command-line tools: `flask --app wsgi users create`, `demo seed`, `serve`."""

from __future__ import annotations

import os
import secrets
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, run_command

from core.auth import UnknownRole, WeakPassword, create_user, find_user
from core.background import start_background
from core.deps import settings_of
from core.extensions import db, socketio
from core.roles import ROLES, Role
from dispatch.crew import clean_crew, crew_words
from dispatch.models import Unit
from dispatch.staffing import DEMO_CREWS, seed_demo_crews
from dispatch.states import UnitStatus
from facilities.demo import seed_demo_facilities
from facilities.models import Facility
from geo.web import seed_demo_addresses
from reports.cli import history_command

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Demo data for a first look.")
demo_cli.add_command(history_command)  # `demo history`: a month of calls for the reports

# Demo units, homed at real Burlington address points (Vermont E911 / VCGI).
DEMO_UNITS: list[dict[str, Any]] = [
    {
        "call_sign": "MCT-1",
        "home": "1 Main Street",
        "lat": 44.4757098,
        "lon": -73.2194861,
        "languages": ["en"],
        "youth": False,
        "phones": ["+18025550101", "+18025550102"],
    },
    {
        "call_sign": "MCT-2",
        "home": "375 North Avenue",
        "lat": 44.4912597,
        "lon": -73.2284031,
        "languages": ["en", "es"],
        "youth": False,
        "phones": ["+18025550201"],
    },
    {
        "call_sign": "MCT-3",
        "home": "52 Colchester Avenue",
        "lat": 44.4809226,
        "lon": -73.1976717,
        "languages": ["en"],
        "youth": True,
        "phones": ["+18025550301"],
    },
    {
        "call_sign": "MCT-4",
        "home": "1200 North Avenue",
        "lat": 44.5084516,
        "lon": -73.2465245,
        "languages": ["en", "fr"],
        "youth": False,
        "phones": ["+18025550401"],
    },
    {
        "call_sign": "MCT-5",
        "home": "200 Church Street",
        "lat": 44.4746540,
        "lon": -73.2120333,
        "languages": ["en", "ne"],
        "youth": True,
        "phones": ["+18025550501"],
    },
    {
        "call_sign": "MCT-6",
        "home": "179 North Winooski Avenue",
        "lat": 44.4854907,
        "lon": -73.2110812,
        "languages": ["en", "so"],
        "youth": False,
        "phones": ["+18025550601"],
    },
]

DEMO_USERS: list[tuple[str, list[str], str | None]] = [
    ("operator", ["operator"], None),
    ("dispatcher", ["dispatcher"], None),
    ("supervisor", ["supervisor", "dispatcher"], None),
    ("admin", ["admin"], None),
    ("field1", ["field"], "MCT-1"),
    ("facility1", ["facility"], None),
]
# The demo facility user's facility (see facilities/demo.py).
DEMO_FACILITY_USERS = {"facility1": "Demo Crisis Receiving Center"}


def _unit_id(call_sign: str) -> int | None:
    return db.session.scalar(sa.select(Unit.id).where(Unit.call_sign == call_sign))


def _facility_id(name: str) -> int | None:
    """The facility of that name (any case, spaces as typed collapsed)."""
    wanted = " ".join(name.split()).lower()
    return db.session.scalar(sa.select(Facility.id).where(sa.func.lower(Facility.name) == wanted))


@users_cli.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help=f"One of: {', '.join(ROLES)}")
@click.option(
    "--password",
    required=True,
    help="The new user's password: at least 8 characters (12 for an admin), not a common one.",
)
@click.option("--unit", "unit", default=None, help="Call sign of the unit a field user rides with.")
@click.option("--facility", "facility", default=None, help="Name of the facility a facility user works at.")
def create_user_command(
    username: str, roles: tuple[str, ...], password: str, unit: str | None, facility: str | None
) -> None:
    """Create a user with one or more roles."""
    if find_user(session=db.session, username=username) is not None:
        raise click.ClickException(f"a user named {username!r} exists already")
    unit_id = None
    if unit:
        unit_id = _unit_id(unit)
        if unit_id is None:
            raise click.ClickException(f"no unit with call sign {unit!r}")
    facility_id = None
    if facility:
        facility_id = _facility_id(facility)
        if facility_id is None:
            raise click.ClickException(f"no facility named {facility!r} (see GET /api/v1/facilities for the names)")
    if Role.FACILITY in roles and facility_id is None:
        raise click.ClickException('a facility user works at one facility: give --facility "<facility name>"')
    if facility_id is not None and Role.FACILITY not in roles:
        raise click.ClickException("--facility is for a user with the role facility")
    try:
        create_user(
            session=db.session,
            username=username,
            password=password,
            roles=roles,
            unit_id=unit_id,
            facility_id=facility_id,
        )
    except (UnknownRole, WeakPassword) as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"created {username} ({', '.join(sorted(set(roles)))})")


@demo_cli.command("seed")
def demo_seed() -> None:
    """Demo units and facilities in Burlington, VT and one user per role. Running it again changes nothing."""
    new_units = []
    for spec in DEMO_UNITS:
        if _unit_id(spec["call_sign"]) is None:
            new_units.append(spec["call_sign"])
            db.session.add(
                Unit(
                    call_sign=spec["call_sign"],
                    phones=spec["phones"],
                    languages=spec["languages"],
                    youth=spec["youth"],
                    home_lat=spec["lat"],
                    home_lon=spec["lon"],
                    status=UnitStatus.AVAILABLE.value,
                )
            )
            click.echo(f"unit {spec['call_sign']} homed at {spec['home']}")
    db.session.flush()
    stale_s = settings_of(current_app).position_stale_s
    for call_sign in seed_demo_crews(session=db.session, call_signs=new_units, stale_s=stale_s):
        click.echo(f"crew of {call_sign}: {crew_words(list(clean_crew(DEMO_CREWS[call_sign])))}")
    for name in seed_demo_facilities(session=db.session):
        click.echo(f"facility {name} (demo: not a real service)")
    seed_demo_addresses()  # the demo city's real address points, for the local geocoder
    created = []
    for username, roles, unit in DEMO_USERS:
        if find_user(session=db.session, username=username) is not None:
            continue
        password = secrets.token_urlsafe(12)  # 16 characters: above every role's minimum, the admin's too
        create_user(
            session=db.session,
            username=username,
            password=password,
            roles=roles,
            unit_id=_unit_id(unit) if unit else None,
            facility_id=_facility_id(DEMO_FACILITY_USERS[username]) if username in DEMO_FACILITY_USERS else None,
        )
        created.append((username, roles, password))
    db.session.commit()
    if created:
        click.echo("Demo users (the passwords are shown only this once):")
        for username, roles, password in created:
            click.echo(f"  {username:<11} {password}   roles: {', '.join(roles)}")
    else:
        click.echo(
            "Demo data is already in place; nothing changed. (The demo passwords were printed the first "
            "time; to start afresh, stop the server and delete the instance/ folder.)"
        )


FLASK_RUN_REFUSED = (
    "`flask run` starts a server with no event relay, no SMS relay and no timer scheduler: live "
    "updates, texts to the teams and timers would silently never happen. Start the server with "
    "`flask --app wsgi serve` (it takes --host and --port too)."
)


def refuse_flask_run(app: Flask) -> None:
    """CONTRACT "Operations (amended)": `flask run` refuses in the embedded default, naming `serve`.

    Flask's own `run` command cannot be replaced from an app (the built-in wins) and would start
    none of the background workers. It is refused rather than made to start them: its reloader
    (`--debug`, `--reload`) runs the app in a second process and restarts it on every saved file,
    which would double the relays and the scheduler or stop them mid-send; `serve` is one process
    by design. With EMBEDDED_WORKERS off the workers run in `flask --app wsgi scheduler run`, so
    `flask run` is then an ordinary web process and is allowed. Raises click.UsageError (exit 2)
    while `flask run` loads the app; does nothing anywhere else (gunicorn, tests, other commands).
    """
    context = click.get_current_context(silent=True)
    if context is None or context.command is not run_command or not app.config["EMBEDDED_WORKERS"]:
        return
    raise click.UsageError(FLASK_RUN_REFUSED)


def register_cli(app: Flask) -> None:
    refuse_flask_run(app)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", default=5000, type=int)
    def serve(host: str, port: int) -> None:
        """Serve the app with live updates (no reloader: one process, one scheduler)."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        start_background(app)
        click.echo(f"Serving on http://{host}:{port}")
        os.environ.pop("FLASK_RUN_FROM_CLI", None)  # or Flask refuses to run a server from a command
        socketio.run(
            app,
            host=host,
            port=port,
            use_reloader=False,
            debug=False,
            allow_unsafe_werkzeug=True,
            log_output=False,
        )
