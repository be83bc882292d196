"""What the edges hand to the services: the app's settings and its event bus.

Only edges use these (views, pages, Socket.IO handlers, webhooks, CLI commands, scheduler jobs):
they read the app once and pass plain values down. Service and domain modules never import this
module or `current_app`; they take `settings`, `timers` or `bus` as keyword arguments.
"""

from __future__ import annotations

from flask import Flask, current_app

from config import Settings
from core.bus import MessageBus

SETTINGS = "settings"
BUS = "bus"


def settings_of(app: Flask) -> Settings:
    return app.extensions[SETTINGS]  # type: ignore[no-any-return]


def bus_of(app: Flask) -> MessageBus:
    return app.extensions[BUS]  # type: ignore[no-any-return]


def settings() -> Settings:
    """The settings of the app handling this request or job."""
    return settings_of(current_app)


def bus() -> MessageBus:
    """The event bus of the app handling this request or job."""
    return bus_of(current_app)


def replace_settings(app: Flask, **changes: object) -> Settings:
    """Change settings of a running app (tests, and a server that learns its port after binding):
    the typed object, the settings the bus hands to handlers and `app.config` all move together."""
    updated = Settings.model_validate({**settings_of(app).model_dump(), **{k.lower(): v for k, v in changes.items()}})
    app.extensions[SETTINGS] = updated
    bus_of(app).settings = updated
    app.config.update({k.upper(): v for k, v in changes.items()})
    return updated
