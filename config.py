"""Settings, read from the environment when the app is created (never at import time).

`Config.from_env()` picks the class named by `APP_ENV` (development by default). The development
default is the embedded setup: a SQLite file under `instance/`, one process, the console SMS
sender and the scheduler inside the web process.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

BASE_DIR = Path(__file__).resolve().parent

TIMER_DEFAULTS: dict[str, int] = {
    "ACK_REPAGE_AFTER_S": 120,
    "ACK_REASSIGN_AFTER_S": 300,
    "CHECKIN_INTERVAL_S": 900,
    "PENDING_SLA_S": 300,
    "POSITION_STALE_S": 900,
    "FOLLOWUP_AFTER_HIGH_S": 86400,
    "FOLLOWUP_AFTER_LOW_S": 259200,
    "TIMER_SWEEP_S": 2,
    "CHECKIN_REPLY_WITHIN_S": 300,
}


class ConfigError(RuntimeError):
    """A setting is missing or wrong: the service refuses to start."""


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every environment."""

    name: ClassVar[str] = "base"
    required: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> dict[str, Any]:
        env = os.environ if env is None else env
        chosen = CONFIGS.get(env.get("APP_ENV", "development"))
        if chosen is None:
            raise ConfigError(f"APP_ENV must be one of {', '.join(CONFIGS)}")
        return chosen.settings(env)

    @classmethod
    def settings(cls, env: Mapping[str, str]) -> dict[str, Any]:
        missing = [name for name in cls.required if not env.get(name)]
        if missing:
            raise ConfigError(f"{cls.name} needs these settings: {', '.join(missing)}")
        instance = Path(env.get("INSTANCE_PATH", BASE_DIR / "instance"))
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'crisis.db'}"
        redis_url = env.get("REDIS_URL") or None
        settings: dict[str, Any] = {
            "ENV_NAME": cls.name,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": env.get("SECRET_KEY") or cls.default_secret(),
            "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
            "REDIS_URL": redis_url,
            # Redis pub/sub ignores database numbers: deployments sharing a Redis need their own channel.
            "SOCKETIO_CHANNEL": env.get("SOCKETIO_CHANNEL", "flask-socketio"),
            # How many proxies stand in front (X-Forwarded-For/Proto/Host are trusted that deep).
            "PROXY_HOPS": int(env.get("PROXY_HOPS", 0)),
            "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID") or None,
            "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN") or None,
            "TWILIO_FROM_NUMBER": env.get("TWILIO_FROM_NUMBER") or None,
            "TWILIO_MESSAGING_SERVICE_SID": env.get("TWILIO_MESSAGING_SERVICE_SID") or None,
            "SMS_CALLBACK_NUMBER": env.get("SMS_CALLBACK_NUMBER") or None,
            "SMS_WEBHOOK_TOKEN": env.get("SMS_WEBHOOK_TOKEN") or None,
            "PUBLIC_BASE_URL": (env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
            "GEOCODER": env.get("GEOCODER", "local"),
            "GEOCODER_USER_AGENT": env.get("GEOCODER_USER_AGENT", "crisis-dispatch"),
            "ROUTER_URL": env.get("ROUTER_URL") or None,
            "MAP_TILE_URL": env.get("MAP_TILE_URL", ""),
            "MAP_TILE_ATTRIBUTION": env.get("MAP_TILE_ATTRIBUTION", ""),
            # The scheduler and the event relay run inside the web process in the embedded
            # default; scaled out (REDIS_URL set) they run in `flask --app wsgi scheduler run`.
            "EMBEDDED_WORKERS": _flag(env.get("EMBEDDED_WORKERS"), default=redis_url is None),
            "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 256 * 1024)),
            "TOKEN_TTL_S": int(env.get("TOKEN_TTL_S", 12 * 3600)),
            "LOGIN_FAILURE_LIMIT": env.get("LOGIN_FAILURE_LIMIT", "5 per 15 minutes"),
            "EVENT_RETENTION_S": int(env.get("EVENT_RETENTION_S", 24 * 3600)),
            "EVENT_RETENTION_COUNT": int(env.get("EVENT_RETENTION_COUNT", 10_000)),
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": cls.name == "production",
            "REMEMBER_COOKIE_SECURE": cls.name == "production",
            "SQLALCHEMY_TRACK_MODIFICATIONS": False,
            # Room for the request threads plus the relays and the scheduler; a dropped database
            # connection is noticed before use, not in the middle of a dispatcher's request.
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url),
            "WTF_CSRF_TIME_LIMIT": None,
            "RATELIMIT_STORAGE_URI": redis_url or "memory://",
            "RATELIMIT_HEADERS_ENABLED": True,
        }
        for name, default in TIMER_DEFAULTS.items():
            settings[name] = int(env.get(name, default))
        return settings

    @classmethod
    def default_secret(cls) -> str:
        # A fresh random key per start: sessions do not survive a restart, which is the safe
        # default for a development box. Production has no default (see `required`).
        return secrets.token_hex(32)


class DevelopmentConfig(Config):
    name = "development"


class TestingConfig(Config):
    name = "testing"

    @classmethod
    def settings(cls, env: Mapping[str, str]) -> dict[str, Any]:
        settings = super().settings(env)
        settings.update(TESTING=True, EMBEDDED_WORKERS=False, RATELIMIT_STORAGE_URI="memory://")
        return settings


class ProductionConfig(Config):
    name = "production"
    required = ("SECRET_KEY", "DATABASE_URL")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def engine_options(database_url: str) -> dict[str, Any]:
    if database_url in ("sqlite://", "sqlite:///:memory:"):
        return {}  # one in-memory database on one static connection: no pool to size
    return {"pool_size": 10, "max_overflow": 20, "pool_pre_ping": True}


def _flag(value: str | None, *, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}
