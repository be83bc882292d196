"""Wiring of facilities: the API, the live snapshot part and the `facilities import` command."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from core import deps
from core.actors import Actor
from core.extensions import db
from core.live import register_snapshot_part
from core.ports import current_ports
from facilities.destination_views import api as destinations_api
from facilities.facility_page import pages as facility_pages
from facilities.importer import FacilityFileError, import_facilities
from facilities.service import facilities_snapshot
from facilities.views import api

facilities_cli = AppGroup("facilities", help="Crisis facilities and their beds.")


@facilities_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(csv_file: Path) -> None:
    """Import facilities from a CSV file (columns in README.md); a name already there is updated.
    Any bad row stops the import with its line number: nothing is half-imported."""
    try:
        result = import_facilities(
            session=db.session,
            path=csv_file,
            locator=current_ports().locator,
            by=Actor.system("cli:facilities import"),
            bus=deps.bus(),
        )
    except FacilityFileError as error:
        db.session.rollback()
        raise click.ClickException(f"{csv_file} was not imported (nothing changed):\n{error}") from None
    db.session.commit()
    click.echo(f"{len(result.added)} facilities added, {len(result.updated)} updated")


def init_app(app: Flask) -> None:
    app.register_blueprint(api)
    app.register_blueprint(destinations_api)  # GET /incidents/<id>/facilities (fac-ui)
    app.register_blueprint(facility_pages)  # /facility
    app.cli.add_command(facilities_cli)
    register_snapshot_part("facilities", facilities_snapshot)
