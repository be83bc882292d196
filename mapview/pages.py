"""The `/map` page: a Leaflet map of units and incidents, a keyboard list beside it, the alert panel."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from core.auth import roles_required
from core.roles import DISPATCHERS
from geo.travel import StraightLineRouter

pages = Blueprint(
    "mapview",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/mapview",
)


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
    return render_template("mapview/map.html", settings=map_settings(current_app.config))
