"""The dispatcher's page: queue, recommendations, one-action assign and the unit board."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from core.auth import roles_required
from core.extensions import db
from core.roles import DISPATCHERS
from mapview.pages import map_extent

pages = Blueprint(
    "dispatch_pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/dispatch",
)


@pages.get("/dispatch")
@roles_required(*DISPATCHERS)
def dispatch_board() -> Any:
    config = current_app.config
    return render_template(
        "dispatch/board.html",
        settings={
            "pendingSlaS": int(config["PENDING_SLA_S"]),
            "positionStaleS": int(config["POSITION_STALE_S"]),
            "tileUrl": config.get("MAP_TILE_URL") or "",
            "tileAttribution": config.get("MAP_TILE_ATTRIBUTION") or "",
            # Where the map for picking an incident's place opens (no city is built in).
            "extent": map_extent(session=db.session),
        },
    )
