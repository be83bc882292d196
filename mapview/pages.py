"""The `/map` page: a Leaflet map of units and incidents, a keyboard list beside it, the alert panel."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template

from core.auth import roles_required
from core.extensions import db
from core.roles import DISPATCHERS
from dispatch.models import Incident, Unit
from dispatch.states import OPEN_STATUSES
from geo.models import AddressPointRow
from geo.travel import StraightLineRouter

pages = Blueprint(
    "mapview",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/mapview",
)

Extent = dict[str, float]


def map_extent(*, session: Any) -> Extent | None:
    """The box a map opens on, from the data: every unit (its position, else its home base) and
    every open incident with a place; with none of those, the imported address points; None when
    there is nothing at all. As `{"south", "west", "north", "east"}` in degrees.
    """
    has_fix = sa.and_(Unit.lat.is_not(None), Unit.lon.is_not(None))
    unit_lat = sa.case((has_fix, Unit.lat), else_=Unit.home_lat)
    unit_lon = sa.case((has_fix, Unit.lon), else_=Unit.home_lon)
    placed = sa.and_(
        Incident.status.in_([status.value for status in OPEN_STATUSES]),
        Incident.lat.is_not(None),
        Incident.lon.is_not(None),
    )
    boxes = [
        _box(session, sa.select(*_bounds(unit_lat, unit_lon))),
        _box(session, sa.select(*_bounds(Incident.lat, Incident.lon)).where(placed)),
    ]
    found = [box for box in boxes if box is not None]
    if not found:
        return _box(session, sa.select(*_bounds(AddressPointRow.lat, AddressPointRow.lon)))
    return {
        "south": min(box["south"] for box in found),
        "west": min(box["west"] for box in found),
        "north": max(box["north"] for box in found),
        "east": max(box["east"] for box in found),
    }


def _bounds(lat: Any, lon: Any) -> tuple[Any, ...]:
    return sa.func.min(lat), sa.func.min(lon), sa.func.max(lat), sa.func.max(lon)


def _box(session: Any, query: Any) -> Extent | None:
    south, west, north, east = session.execute(query).one()
    if south is None or west is None:
        return None
    return {"south": float(south), "west": float(west), "north": float(north), "east": float(east)}


def map_settings(config: Any) -> dict[str, Any]:
    """What the page's script needs: timer limits, tiles, and the straight-line travel model."""
    model = StraightLineRouter()
    return {
        "pendingSlaS": int(config["PENDING_SLA_S"]),
        "ackRepageAfterS": int(config["ACK_REPAGE_AFTER_S"]),
        "checkinIntervalS": int(config["CHECKIN_INTERVAL_S"]),
        "positionStaleS": int(config["POSITION_STALE_S"]),
        "tileUrl": config.get("MAP_TILE_URL") or "",
        "tileAttribution": config.get("MAP_TILE_ATTRIBUTION") or "",
        "travel": {
            "circuity": model.circuity,
            "cruiseSpeedMps": model.cruise_speed_mps,
            "accelerationMps2": model.acceleration_mps2,
            "turnoutS": model.turnout_s,
        },
    }


@pages.get("/map")
@roles_required(*DISPATCHERS)
def live_map() -> Any:
    settings = map_settings(current_app.config) | {"extent": map_extent(session=db.session)}
    return render_template("mapview/map.html", settings=settings)
