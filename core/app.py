"""The application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

# The tables of every area, on the metadata before any query or migration.
import admin.web
import alerts.models
import alerts.web
import core.models
import dispatch.models
import dispatch.web
import facilities.handlers
import facilities.models
import facilities.web
import geo.models
import geo.web
import mapview.web
import notifications.models
import notifications.reactions
import notifications.web
import reports.facts  # its session hooks keep the report facts
import reports.models
import reports.web
import timers.handlers
import timers.models
import timers.web
import triage.models
import triage.web
from config import ConfigError, Settings, engine_options
from core import deps, errors, health, live, pages, ports, text, views_audit, views_auth
from core.bus import HandlerTable, MessageBus
from core.cli import register_cli
from core.db import configure_engine
from core.extensions import csrf, db, limiter, login_manager, migrate, socketio
from geo.areas import AreasFileError, load_areas

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
MODELS: tuple[ModuleType, ...] = (
    alerts.models,
    core.models,
    dispatch.models,
    facilities.models,
    geo.models,
    notifications.models,
    reports.models,
    timers.models,
    triage.models,
)
SOCKETIO_HANDLERS: tuple[ModuleType, ...] = (live,)

# The event reactions, in the order they run: first the texts to the team, then the timers, then
# the facilities' live event.
EVENT_HANDLER_TABLES: tuple[HandlerTable, ...] = (
    notifications.reactions.EVENT_HANDLERS,
    timers.handlers.EVENT_HANDLERS,
    facilities.handlers.EVENT_HANDLERS,
)
# Each work area wires itself in with `init_app(app)` in its `web` module: blueprints, snapshot
# parts and CLI commands. A feature listed here that does not import stops the app.
FEATURES: tuple[ModuleType, ...] = (
    geo.web,
    triage.web,
    dispatch.web,
    notifications.web,
    alerts.web,
    timers.web,
    mapview.web,
    reports.web,
    facilities.web,
    admin.web,  # after dispatch: its PATCH /units/<id> follows the GET (Werkzeug matches the first bounds)
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. `config` overrides the environment's settings (tests pass their own)."""
    overrides = dict(config or {})
    if "SQLALCHEMY_DATABASE_URI" in overrides and "DATABASE_URL" not in overrides:
        overrides["DATABASE_URL"] = overrides["SQLALCHEMY_DATABASE_URI"]
    settings = Settings.from_env(os.environ, **overrides)
    try:
        service_areas = load_areas(settings.service_areas)
    except AreasFileError as error:
        raise ConfigError(str(error)) from None
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(settings.flask_config())
    app.config.update(overrides)  # Flask's own keys too (TESTING, WTF_CSRF_ENABLED, SMS_HTTP_CLIENT…)
    if "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    app.instance_path = str(settings.instance_path)
    bus = MessageBus(settings=settings)
    for table in EVENT_HANDLER_TABLES:
        bus.subscribe(table)
    app.extensions[deps.SETTINGS] = settings
    app.extensions[deps.BUS] = bus
    if settings.proxy_hops:  # the client's address for the audit log and rate limits, not the proxy's
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per sweep is noise

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
        app.extensions[ports.EXTENSION] = ports.build_ports(
            engine=db.engine,
            geocoder=settings.geocoder,
            geocoder_user_agent=settings.geocoder_user_agent,
            router_url=settings.router_url,
            areas=service_areas,
        )
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login_page"
    login_manager.login_message = "Sign in to continue."
    csrf.init_app(app)
    limiter.init_app(app)
    # Every module that declares Socket.IO handlers (core.live) is imported above, before this
    # call: a handler declared after it is attached to that one server only.
    socketio.init_app(
        app,
        async_mode="threading",
        message_queue=settings.redis_url,
        channel=settings.socketio_channel,
        client_manager=live.live_client_manager(settings.redis_url, channel=settings.socketio_channel),
        # cors_allowed_origins left unset: Socket.IO accepts only same-origin pages.
        ping_interval=10,
        ping_timeout=10,
    )

    errors.register_error_handlers(app)
    text.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(views_auth.pages)
    app.register_blueprint(views_auth.api)
    app.register_blueprint(views_audit.api)
    app.register_blueprint(pages.bp)
    register_cli(app)
    login_manager.unauthorized_handler(pages.unauthorized)
    for feature in FEATURES:
        feature.init_app(app)

    csp = content_security_policy(settings.map_tile_url)

    @app.after_request
    def _security_headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", csp)
        if not _is_static(request.endpoint):
            # API answers and pages carry health information: no browser or proxy keeps a copy.
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response

    return app


def _is_static(endpoint: str | None) -> bool:
    """The app's and the blueprints' static files (the only answers a browser may cache)."""
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


def content_security_policy(tile_url: str) -> str:
    """Only our own scripts; images from us and from the configured map tile server."""
    images = "'self' data:"
    parts = urlsplit(tile_url.replace("{s}", "*"))
    if parts.scheme in ("http", "https") and parts.netloc:
        images += f" {parts.scheme}://{parts.netloc}"
    return (
        f"default-src 'self'; img-src {images}; style-src 'self' 'unsafe-inline'; "
        "connect-src 'self'; frame-ancestors 'none'"
    )
