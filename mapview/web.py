"""Wiring of the live map: its page and static files."""

from __future__ import annotations

from flask import Flask

from mapview.pages import pages


def init_app(app: Flask) -> None:
    if "mapview" not in app.blueprints:
        app.register_blueprint(pages)
