"""Wiring of the SMS area into the app (called by core.app.create_app)."""

from __future__ import annotations

from flask import Flask

import notifications.models  # noqa: F401  (tables on the metadata)


def init_app(app: Flask) -> None:
    pass
