"""Settings: one typed object, read from the environment once, when the app is created.

`Settings.from_env()` reads the environment (never at import time) into a frozen `Settings`;
`create_app` builds it once, keeps it as `app.extensions["settings"]` and hands it (or the part
they need, such as `settings.timers`) to the services. `Settings.flask_config()` is the same
values in the upper-case form Flask and its extensions read from `app.config`.

`APP_ENV` picks the environment (development by default). The development default is the
embedded setup: a SQLite file under `instance/`, one process, the console SMS sender and the
scheduler inside the web process.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from reports.shifts import DEFAULT_SHIFT_STARTS, ShiftStartsInvalid, parse_shift_starts

BASE_DIR = Path(__file__).resolve().parent
ENVIRONMENTS = ("development", "testing", "production")
SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name) under the instance folder, development only


class ConfigError(RuntimeError):
    """A setting is missing or wrong: the service refuses to start."""


class TimerSettings(BaseModel):
    """The timer settings of CONTRACT.md, in seconds; the only place their defaults are written."""

    model_config = ConfigDict(frozen=True)

    ack_repage_after_s: int = Field(default=120, ge=1)
    ack_reassign_after_s: int = Field(default=300, ge=1)
    checkin_interval_s: int = Field(default=900, ge=1)
    checkin_reply_within_s: int = Field(default=300, ge=1)  # how long a team has to answer a check-in
    pending_sla_s: int = Field(default=300, ge=1)
    position_stale_s: int = Field(default=900, ge=1)
    followup_after_high_s: int = Field(default=86400, ge=1)
    followup_after_low_s: int = Field(default=259200, ge=1)
    timer_sweep_s: int = Field(default=2, ge=1)
    transfer_confirm_s: int = Field(default=120, ge=1)  # an emergency_911 call's transfer not recorded
    outcome_missing_after_s: int = Field(default=1800, ge=1)  # a cleared incident still without outcome

    def followup_after(self, risk_level: str) -> timedelta | None:
        """How long a follow-up may wait after a call or encounter at this risk; None: no follow-up."""
        if risk_level in ("moderate", "high"):
            return timedelta(seconds=self.followup_after_high_s)
        if risk_level == "low":
            return timedelta(seconds=self.followup_after_low_s)
        return None


TIMER_DEFAULTS: dict[str, int] = {name.upper(): int(f.default) for name, f in TimerSettings.model_fields.items()}


class Settings(TimerSettings, BaseSettings):
    """Every setting of the README, typed. Secrets are `SecretStr`: they never show in a repr."""

    model_config = SettingsConfigDict(frozen=True, case_sensitive=False, extra="ignore", env_prefix="")

    app_env: Literal["development", "testing", "production"] = "development"
    instance_path: Path = BASE_DIR / "instance"
    secret_key: SecretStr | None = None
    database_url: str | None = None
    redis_url: str | None = None
    socketio_channel: str = "flask-socketio"  # Redis pub/sub ignores database numbers: one per deployment
    proxy_hops: int = Field(default=0, ge=0)  # proxies in front; X-Forwarded-* trusted that deep
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_base_url: str | None = None  # another Twilio API address (a local mock)
    sms_callback_number: str | None = None
    sms_webhook_token: SecretStr | None = None
    sms_http_timeout_s: float | None = None
    sms_reconcile_after_s: float | None = None
    sms_retry_base_s: float = 2.0
    public_base_url: str = "http://127.0.0.1:5000"
    geocoder: str = "local"
    geocoder_user_agent: str = "crisis-dispatch"
    router_url: str | None = None
    map_tile_url: str = ""
    map_tile_attribution: str = ""
    triage_questionnaire_dir: Path | None = None
    # The scheduler and the relays run inside the web process in the embedded default; scaled out
    # (REDIS_URL set) they run in `flask --app wsgi scheduler run`. None: decided by REDIS_URL.
    embedded_workers: bool | None = None
    max_content_length: int = Field(default=256 * 1024, ge=1024)
    token_ttl_s: int = Field(default=12 * 3600, ge=60)
    login_failure_limit: str = "5 per 15 minutes"
    event_retention_s: int = Field(default=24 * 3600, ge=60)
    event_retention_count: int = Field(default=10_000, ge=100)
    # Second wave (CONTRACT "Operations (amended)", DOMAIN "Fit and the ETA band").
    timezone: str = "UTC"  # an IANA name: the local day of the daily reports
    shift_starts: str = DEFAULT_SHIFT_STARTS  # local times (TIMEZONE) the shifts change at: /reports/shift
    facility_beds_stale_s: int = Field(default=14400, ge=1)
    field_sees_narrative: bool = True
    service_areas: Path | None = None  # a GeoJSON file of named polygons, each with "rural": bool
    fit_band_emergent_s: int = Field(default=300, ge=0)
    fit_band_urgent_s: int = Field(default=900, ge=0)
    fit_band_routine_s: int = Field(default=1800, ge=0)
    # Arrival targets of the reports (DOMAIN "Priorities and targets"), from first contact.
    target_emergent_s: int = Field(default=3600, ge=1)
    target_emergent_rural_s: int = Field(default=7200, ge=1)
    target_urgent_s: int = Field(default=4 * 3600, ge=1)
    target_routine_s: int = Field(default=72 * 3600, ge=1)
    # Roles that must sign in with a second factor (TOTP), comma-separated: "admin,supervisor".
    require_2fa_roles: str = ""

    @field_validator("shift_starts")
    @classmethod
    def _shift_starts(cls, value: str) -> str:
        try:
            return ", ".join(f"{at:%H:%M}" for at in parse_shift_starts(value))
        except ShiftStartsInvalid as error:
            raise ValueError(str(error)) from None

    # -- reading ---------------------------------------------------------------------------------
    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """The settings of `env` (the process environment by default), with `overrides` on top."""
        env = os.environ if env is None else env
        known = {name.upper() for name in cls.model_fields}
        values: dict[str, Any] = {k.lower(): v for k, v in env.items() if k.upper() in known and v != ""}
        values.update({k.lower(): v for k, v in overrides.items() if k.upper() in known})
        name = values.get("app_env", "development")
        if name not in ENVIRONMENTS:
            raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}")
        if name == "production":
            missing = [n for n in ("SECRET_KEY", "DATABASE_URL") if not values.get(n.lower())]
            if missing:
                raise ConfigError(f"production needs these settings: {', '.join(missing)}")
        try:
            settings = cls.model_validate(values)  # values as given: no second read of os.environ
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors())
            raise ConfigError(f"invalid settings: {problems}") from None
        if settings.secret_key is None:
            settings = settings.model_copy(update={"secret_key": SecretStr(settings.default_secret())})
        return settings

    def default_secret(self) -> str:
        """Development keeps a generated key under `instance/` so a restart signs no one out and
        breaks no field link already texted; tests get a fresh one. Production has no default."""
        if self.app_env != "development":
            return secrets.token_hex(32)
        path = self.instance_path / SECRET_KEY_FILE
        try:
            kept = path.read_text().strip()
        except FileNotFoundError:
            kept = ""
        if kept:
            return kept
        self.instance_path.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(key + "\n")
        return key

    # -- derived ---------------------------------------------------------------------------------
    @property
    def timers(self) -> TimerSettings:
        return TimerSettings.model_validate(self.model_dump(include=set(TimerSettings.model_fields)))

    @property
    def sqlalchemy_url(self) -> str:
        return normalize_database_url(self.database_url or f"sqlite:///{self.instance_path / 'crisis.db'}")

    @field_validator("require_2fa_roles")
    @classmethod
    def _known_roles(cls, value: str) -> str:
        from core.roles import ROLES

        unknown = [part.strip() for part in value.split(",") if part.strip() and part.strip().lower() not in ROLES]
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(ROLES)}")
        return value

    @property
    def two_factor_roles(self) -> frozenset[str]:
        """REQUIRE_2FA_ROLES as a set of role names (empty: two-factor sign-in is optional)."""
        return frozenset(part.strip().lower() for part in self.require_2fa_roles.split(",") if part.strip())

    @property
    def workers_embedded(self) -> bool:
        return self.redis_url is None if self.embedded_workers is None else self.embedded_workers

    @property
    def twilio_configured(self) -> bool:
        return bool(
            self.twilio_account_sid
            and self.twilio_auth_token
            and (self.twilio_from_number or self.twilio_messaging_service_sid)
        )

    def flask_config(self) -> dict[str, Any]:
        """The same values as Flask, Flask-SQLAlchemy, Flask-Limiter and the edges read them."""
        production = self.app_env == "production"
        config: dict[str, Any] = {
            name.upper(): value.get_secret_value() if isinstance(value, SecretStr) else value
            for name, value in self.model_dump().items()
        }
        config.update(
            ENV_NAME=self.app_env,
            INSTANCE_PATH=str(self.instance_path),
            PUBLIC_BASE_URL=self.public_base_url.rstrip("/"),
            SQLALCHEMY_DATABASE_URI=self.sqlalchemy_url,
            SQLALCHEMY_ENGINE_OPTIONS=engine_options(self.sqlalchemy_url),
            SQLALCHEMY_TRACK_MODIFICATIONS=False,
            EMBEDDED_WORKERS=self.workers_embedded,
            SESSION_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Lax",
            SESSION_COOKIE_SECURE=production,
            REMEMBER_COOKIE_SECURE=production,
            WTF_CSRF_TIME_LIMIT=None,
            RATELIMIT_STORAGE_URI=self.redis_url or "memory://",
            RATELIMIT_HEADERS_ENABLED=True,
            # Redis away: count in this process's memory until it is back (checked again with
            # back-off), so sign-in keeps working with its limits; an error the limiter still meets
            # is logged, never a 500.
            RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
            RATELIMIT_SWALLOW_ERRORS=True,
        )
        if self.app_env == "testing":
            config.update(TESTING=True, EMBEDDED_WORKERS=False, RATELIMIT_STORAGE_URI="memory://")
        return config

    def __repr__(self) -> str:  # SecretStr already hides the secrets; keep the repr short
        return f"Settings(app_env={self.app_env!r}, database={self.sqlalchemy_url.split(':', 1)[0]})"


class Config:
    """The entry point the README names: `Config.from_env()` is the Flask config of the environment."""

    @staticmethod
    def from_env(env: Mapping[str, str] | None = None) -> dict[str, Any]:
        return Settings.from_env(env).flask_config()


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(database_url: str) -> dict[str, Any]:
    # Room for the request threads plus the relays and the scheduler; a dropped database
    # connection is noticed before use, not in the middle of a dispatcher's request.
    if database_url in ("sqlite://", "sqlite:///:memory:"):
        return {}  # one in-memory database on one static connection: no pool to size
    return {"pool_size": 10, "max_overflow": 20, "pool_pre_ping": True}
