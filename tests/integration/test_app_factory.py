"""The factory and the settings it reads."""

from __future__ import annotations

from typing import Any

import pytest

from config import Config, ConfigError


def test_development_default_is_the_embedded_setup(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "TWILIO_ACCOUNT_SID", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = Config.from_env({"APP_ENV": "development", "INSTANCE_PATH": str(tmp_path)})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'crisis.db'}"
    assert settings["EMBEDDED_WORKERS"] is True
    assert settings["REDIS_URL"] is None
    assert settings["TWILIO_ACCOUNT_SID"] is None  # console SMS
    assert settings["ACK_REPAGE_AFTER_S"] == 120 and settings["TIMER_SWEEP_S"] == 2


def test_production_refuses_to_start_without_its_secrets():
    with pytest.raises(ConfigError, match="SECRET_KEY, DATABASE_URL"):
        Config.from_env({"APP_ENV": "production"})
    settings = Config.from_env(
        {"APP_ENV": "production", "SECRET_KEY": "s" * 32, "DATABASE_URL": "postgresql://u@db/crisis"}
    )
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/crisis"
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_redis_moves_the_workers_out_of_the_web_process():
    settings = Config.from_env(
        {
            "APP_ENV": "production",
            "SECRET_KEY": "x",
            "DATABASE_URL": "sqlite://",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    assert settings["EMBEDDED_WORKERS"] is False
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_unknown_environment_name_is_refused():
    with pytest.raises(ConfigError, match="APP_ENV"):
        Config.from_env({"APP_ENV": "staging"})


def test_timer_settings_come_from_the_environment():
    settings = Config.from_env({"APP_ENV": "testing", "ACK_REPAGE_AFTER_S": "2"})
    assert settings["ACK_REPAGE_AFTER_S"] == 2


def test_create_app_serves_health_and_the_login_page(app, client):
    assert app.config["TESTING"] is True
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"]["database"] == "ok"
    page = client.get("/login")
    assert page.status_code == 200
    assert b"Sign in" in page.data and b'name="csrf_token"' in page.data


def test_readyz_says_not_ready_when_redis_is_configured_but_down(app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"] == "unavailable"


def test_pages_redirect_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_pages_allow_only_our_scripts_and_the_configured_tile_server(make_app):
    app = make_app(MAP_TILE_URL="http://tiles.example.org:8080/{z}/{x}/{y}.png")
    policy = app.test_client().get("/login").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src" not in policy  # scripts fall back to 'self'
    assert "img-src 'self' data: http://tiles.example.org:8080;" in policy


def test_a_development_restart_keeps_the_secret_so_sessions_and_texted_links_still_work(tmp_path, monkeypatch):
    """The generated key is kept under instance/ (readable by its owner only) and reused."""
    from notifications.links import make_field_token, read_field_token

    monkeypatch.delenv("SECRET_KEY", raising=False)
    env = {"APP_ENV": "development", "INSTANCE_PATH": str(tmp_path)}
    first = Config.from_env(env)["SECRET_KEY"]
    link = make_field_token(secret_key=first, incident_id=7, unit_id=3)
    after_restart = Config.from_env(env)["SECRET_KEY"]
    assert after_restart == first and len(first) >= 32
    found = read_field_token(secret_key=after_restart, token=link)
    assert found is not None and (found.incident_id, found.unit_id) == (7, 3)
    kept = tmp_path / "secret_key"
    assert kept.read_text().strip() == first
    assert kept.stat().st_mode & 0o077 == 0  # no one else on the box can read it


def test_a_given_secret_key_is_used_as_is_and_nothing_is_written(tmp_path):
    settings = Config.from_env({"APP_ENV": "development", "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40})
    assert settings["SECRET_KEY"] == "k" * 40
    assert not (tmp_path / "secret_key").exists()


def test_tests_and_production_never_write_a_key_file(tmp_path):
    Config.from_env({"APP_ENV": "testing", "INSTANCE_PATH": str(tmp_path)})
    assert not (tmp_path / "secret_key").exists()


def test_a_setting_that_is_not_a_number_stops_the_start_with_its_name():
    with pytest.raises(ConfigError, match="TOKEN_TTL_S"):
        Config.from_env({"APP_ENV": "testing", "TOKEN_TTL_S": "twelve hours"})


def test_secrets_do_not_show_in_the_settings_repr():
    from config import Settings

    settings = Settings.from_env({"APP_ENV": "testing", "SECRET_KEY": "hunter2" * 6, "TWILIO_AUTH_TOKEN": "tok" * 8})
    assert "hunter2" not in repr(settings) and "toktok" not in repr(settings)
    assert "hunter2" not in str(settings.model_dump())  # SecretStr in a dump too


def test_the_browser_tab_has_an_icon_and_favicon_ico_finds_it(client: Any) -> None:
    login_page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in login_page
    answer = client.get("/favicon.ico")  # asked by browsers without signing in
    assert answer.status_code == 301 and answer.headers["Location"].endswith("/static/favicon.svg")
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
