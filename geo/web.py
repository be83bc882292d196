"""Wiring of geo: the `geo import` command and the demo city's address points."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from core.extensions import db
from core.ports import current_ports
from geo.local import AddressFileError, read_address_csv
from geo.service import import_address_points

DEMO_ADDRESSES = Path(__file__).resolve().parent.parent / "data" / "addresses" / "burlington_vt.csv"

geo_cli = AppGroup("geo", help="Address points for the local geocoder.")


@geo_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(csv_file: Path) -> None:
    """Import address points (columns number,street,unit,city,state,postcode,lat,lon)."""
    try:
        points = list(read_address_csv(csv_file))
    except AddressFileError as error:
        raise click.ClickException(f"{csv_file} was not imported: {error}") from None
    added = import_address_points(session=db.session, points=points)
    db.session.commit()
    current_ports().locator.forget_local_points()
    click.echo(f"{added} address points added ({len(points) - added} already present)")


def seed_demo_addresses() -> None:
    added = import_address_points(session=db.session, points=list(read_address_csv(DEMO_ADDRESSES)))
    if added:
        click.echo(f"{added} Burlington address points imported (Vermont E911 Board / VCGI)")
    current_ports().locator.forget_local_points()


def init_app(app: Flask) -> None:
    app.cli.add_command(geo_cli)
