"""Wiring: the alerts API, the snapshot's open alerts, and the alert panel partial's assets."""

from __future__ import annotations

from flask import Blueprint, Flask

from alerts.views import api, open_alerts_part
from core.live import register_snapshot_part

panel = Blueprint(
    "alerts", __name__, template_folder="templates", static_folder="static", static_url_path="/static/alerts"
)


def init_app(app: Flask) -> None:
    if "alerts_api" not in app.blueprints:
        app.register_blueprint(api)
        app.register_blueprint(panel)
    register_snapshot_part("alerts", open_alerts_part)
