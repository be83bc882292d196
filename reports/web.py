"""Wiring: the reports API (the /reports pages are added here by their own module)."""

from __future__ import annotations

from flask import Flask

from reports.views import api


def init_app(app: Flask) -> None:
    if api.name not in app.blueprints:
        app.register_blueprint(api)
