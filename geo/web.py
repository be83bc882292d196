"""Wiring of geo: the `geo import` command, the demo city's address points, the street layer."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import click
from flask import Blueprint, Flask, Response, request
from flask.cli import AppGroup

from core.extensions import db
from core.ports import current_ports
from geo.local import AddressFileError, read_address_csv
from geo.service import import_address_points
from geo.streets import DEMO_STREETS

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


pages = Blueprint("geo", __name__)
STREETS_MAX_AGE_S = 3600


@dataclass(frozen=True)
class _Layer:
    plain: bytes
    packed: bytes
    etag: str


@lru_cache(maxsize=1)
def _street_layer(path: Path) -> _Layer | None:
    """The street lines file, read and gzipped once per process; None when there is none."""
    if not path.is_file():
        return None
    plain = path.read_bytes()
    return _Layer(plain=plain, packed=gzip.compress(plain, 9, mtime=0), etag=hashlib.sha256(plain).hexdigest()[:32])


# The endpoint is named "static" (geo.static): core/app.py then lets browsers keep it, as it does
# for every static file, instead of its no-store for answers that carry call data.
@pages.get("/geo/streets.geojson", endpoint="static")
def street_layer() -> Response:
    """The street lines the maps draw when there is no tile server (data/streets, public data).

    Gzipped for a client that accepts it, with an ETag (304 when unchanged) and an hour's caching;
    404 when the deployment has no street file. Public like the vendor files: no call data."""
    layer = _street_layer(DEMO_STREETS)
    if layer is None:
        return Response("no street layer", status=404, mimetype="text/plain")
    headers = {"Cache-Control": f"public, max-age={STREETS_MAX_AGE_S}", "Vary": "Accept-Encoding"}
    packed = "gzip" in request.accept_encodings
    etag = layer.etag + ("-gz" if packed else "")  # one tag per representation
    if etag in request.if_none_match:
        return Response(status=304, headers=headers | {"ETag": f'"{etag}"'})
    response = Response(layer.packed if packed else layer.plain, mimetype="application/geo+json", headers=headers)
    response.set_etag(etag)
    if packed:
        response.headers["Content-Encoding"] = "gzip"
    return response


def init_app(app: Flask) -> None:
    app.cli.add_command(geo_cli)
    if "geo" not in app.blueprints:
        app.register_blueprint(pages)
