"""Wiring of the administration area: its pages and its API."""

from __future__ import annotations

from flask import Flask

from admin.pages import pages
from admin.views import api


def init_app(app: Flask) -> None:
    app.register_blueprint(pages)
    app.register_blueprint(api)
