"""Wiring of dispatch: the API, the page and the live snapshot parts."""

from __future__ import annotations

from flask import Flask

from core.live import register_snapshot_part
from dispatch.pages import pages
from dispatch.service import incidents_snapshot
from dispatch.units import units_snapshot
from dispatch.views import api


def init_app(app: Flask) -> None:
    app.register_blueprint(api)
    app.register_blueprint(pages)
    register_snapshot_part("units", units_snapshot)
    register_snapshot_part("incidents", incidents_snapshot)
