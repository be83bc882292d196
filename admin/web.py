"""Wiring of the administration area: its pages (and, with the users API, its API)."""

from __future__ import annotations

from flask import Flask

from admin.pages import pages


def init_app(app: Flask) -> None:
    app.register_blueprint(pages)
