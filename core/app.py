"""The application factory."""

from __future__ import annotations

import importlib
import importlib.util
import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, engine_options
from core import ports
from core.db import configure_engine
from core.extensions import csrf, db, limiter, login_manager, migrate, socketio

# Each work area wires itself in with `init_app(app)` in its `web` module: blueprints, snapshot
# parts, hooks, CLI commands.
FEATURES = (
    "geo.web",
    "triage.web",
    "dispatch.web",
    "notifications.web",
    "alerts.web",
    "timers.web",
    "mapview.web",
    "admin.web",
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. `config` overrides the environment's settings (tests pass their own)."""
    app = Flask(__name__, instance_relative_config=False)
    settings = Config.from_env()
    if config:
        settings.update(config)
    app.config.from_mapping(settings)
    if config and "SQLALCHEMY_DATABASE_URI" in config and "SQLALCHEMY_ENGINE_OPTIONS" not in config:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(config["SQLALCHEMY_DATABASE_URI"])
    app.instance_path = app.config["INSTANCE_PATH"]
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:  # the client's address for the audit log and rate limits, not the proxy's
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        import os

        os.makedirs(app.instance_path, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per sweep is noise

    _import_models()
    # Modules that declare Socket.IO handlers are imported before `socketio.init_app`: a handler
    # declared after it is attached to that one server only, and the next app would lack it.
    from core import live as _live  # noqa: F401

    features = [importlib.import_module(name) for name in FEATURES if _feature_present(name)]
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
        app.extensions[ports.EXTENSION] = ports.build_ports(
            engine=db.engine,
            geocoder=app.config["GEOCODER"],
            geocoder_user_agent=app.config["GEOCODER_USER_AGENT"],
            router_url=app.config.get("ROUTER_URL"),
        )
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login_page"
    login_manager.login_message = "Sign in to continue."
    csrf.init_app(app)
    limiter.init_app(app)
    socketio.init_app(
        app,
        async_mode="threading",
        message_queue=app.config["REDIS_URL"],
        channel=app.config["SOCKETIO_CHANNEL"],
        # cors_allowed_origins left unset: Socket.IO accepts only same-origin pages.
        ping_interval=10,
        ping_timeout=10,
    )

    from core import errors, health, pages, views_audit, views_auth
    from core.cli import register_cli

    errors.register_error_handlers(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(views_auth.pages)
    app.register_blueprint(views_auth.api)
    app.register_blueprint(views_audit.api)
    app.register_blueprint(pages.bp)
    register_cli(app)
    login_manager.unauthorized_handler(pages.unauthorized)
    for feature in features:
        feature.init_app(app)

    csp = content_security_policy(app.config.get("MAP_TILE_URL") or "")

    @app.after_request
    def _security_headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", csp)
        return response

    return app


def content_security_policy(tile_url: str) -> str:
    """Only our own scripts; images from us and from the configured map tile server."""
    images = "'self' data:"
    parts = urlsplit(tile_url.replace("{s}", "*"))
    if parts.scheme in ("http", "https") and parts.netloc:
        images += f" {parts.scheme}://{parts.netloc}"
    return (
        f"default-src 'self'; img-src {images}; style-src 'self' 'unsafe-inline'; "
        "connect-src 'self' ws: wss:; frame-ancestors 'none'"
    )


def _feature_present(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the package itself is not there (yet)
        return False


def _import_models() -> None:
    import alerts.models  # noqa: F401
    import core.models  # noqa: F401
    import dispatch.models  # noqa: F401
    import geo.models  # noqa: F401
    import triage.models  # noqa: F401


def _migrations_dir() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"
