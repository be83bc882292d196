"""Wiring: the reports API and the /reports pages (reports/pages.py)."""

from __future__ import annotations

from flask import Flask

from reports.cli import reports_cli
from reports.pages import pages
from reports.views import api


def init_app(app: Flask) -> None:
    if api.name not in app.blueprints:
        app.register_blueprint(api)
        app.register_blueprint(pages)
        app.cli.add_command(reports_cli)
