"""Wiring of the SMS area into the app (called by core.app.create_app), the sender chosen by
configuration, and the relay's start.

`start_sms_relay(app)` is called once by the process that runs background work (core/background.py);
tests call it directly. `flask --app wsgi sms relay` runs the relay alone, in the foreground.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup

import notifications.models  # noqa: F401  (tables on the metadata)
from notifications.relay import Backoff, SmsRelay, console_lookup, console_store, twilio_lookup
from notifications.senders import ConsoleSender, SmsSender
from notifications.twilio_sender import DEFAULT_TIMEOUT_S, TwilioSender

log = logging.getLogger(__name__)


def twilio_configured(config: Any) -> bool:
    return bool(
        config.get("TWILIO_ACCOUNT_SID")
        and config.get("TWILIO_AUTH_TOKEN")
        and (config.get("TWILIO_FROM_NUMBER") or config.get("TWILIO_MESSAGING_SERVICE_SID"))
    )


def console_active(app: Flask) -> bool:
    return not twilio_configured(app.config)


def build_sender(app: Flask) -> tuple[SmsSender, Any, float]:
    """The sender the settings choose, the matching sent-message lookup, and how long a `sending`
    row must wait before it is reconciled (longer than any live attempt)."""
    config = app.config
    if twilio_configured(config):
        timeout = float(config.get("SMS_HTTP_TIMEOUT_S") or DEFAULT_TIMEOUT_S)
        sender = TwilioSender(
            str(config["TWILIO_ACCOUNT_SID"]),
            str(config["TWILIO_AUTH_TOKEN"]),
            from_number=config.get("TWILIO_FROM_NUMBER"),
            messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID"),
            http_client=config.get("SMS_HTTP_CLIENT"),
            base_url=config.get("TWILIO_API_BASE_URL"),
            timeout_s=timeout,
        )
        return sender, twilio_lookup(sender), float(config.get("SMS_RECONCILE_AFTER_S") or timeout * 2 + 5)
    return ConsoleSender(console_store), console_lookup, float(config.get("SMS_RECONCILE_AFTER_S") or 5)


def make_relay(app: Flask, **kwargs: Any) -> SmsRelay:
    sender, lookup, reconcile_after_s = build_sender(app)
    kwargs.setdefault("reconcile_after_s", reconcile_after_s)
    kwargs.setdefault("backoff", Backoff(base_s=float(app.config.get("SMS_RETRY_BASE_S") or 2.0)))
    return SmsRelay(app, sender=sender, lookup=lookup, **kwargs)


def start_sms_relay(app: Flask, **kwargs: Any) -> SmsRelay:
    """Start the SMS relay thread of this process (once per app)."""
    existing = app.extensions.get("sms_relay")
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    relay = make_relay(app, **kwargs)
    app.extensions["sms_relay"] = relay
    relay.start()
    log.info("SMS relay started (%s)", "Twilio" if twilio_configured(app.config) else "console sender")
    return relay


def stop_sms_relay(app: Flask) -> None:
    relay = app.extensions.pop("sms_relay", None)
    if relay is not None:
        relay.stop()


sms_cli = AppGroup("sms", help="SMS to field teams.")


@sms_cli.command("relay")
@click.option("--reconcile-after", type=float, default=None, help="Seconds before a stuck send is reconciled.")
@click.option("--twilio-base-url", default=None, help="Another Twilio API address (a local test server).")
def relay_command(reconcile_after: float | None, twilio_base_url: str | None) -> None:
    """Run the SMS relay in the foreground until stopped."""
    from flask import current_app

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if twilio_base_url:
        app.config["TWILIO_API_BASE_URL"] = twilio_base_url
    if reconcile_after is not None:
        app.config["SMS_RECONCILE_AFTER_S"] = reconcile_after
    relay = start_sms_relay(app)
    click.echo("SMS relay running", err=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        relay.stop()


def init_app(app: Flask) -> None:
    from notifications import pages, views, webhooks

    app.register_blueprint(webhooks.bp)
    app.register_blueprint(views.api)
    app.register_blueprint(pages.bp)
    app.cli.add_command(sms_cli)
