"""Wiring of the SMS area into the app (called by core.app.create_app): webhooks, the messages API,
the field page and the simulator, and `flask --app wsgi sms relay`, which runs the relay alone, in
the foreground. The sender and the relay of a process are notifications/sending.py's.
"""

from __future__ import annotations

import logging
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from core.deps import replace_settings
from notifications import pages, simulator, views, webhooks
from notifications.sending import start_sms_relay

log = logging.getLogger(__name__)


sms_cli = AppGroup("sms", help="SMS to field teams.")


@sms_cli.command("relay")
@click.option("--reconcile-after", type=float, default=None, help="Seconds before a stuck send is reconciled.")
@click.option("--twilio-base-url", default=None, help="Another Twilio API address (a local test server).")
def relay_command(reconcile_after: float | None, twilio_base_url: str | None) -> None:
    """Run the SMS relay in the foreground until stopped."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if twilio_base_url:
        replace_settings(app, TWILIO_API_BASE_URL=twilio_base_url)
    if reconcile_after is not None:
        replace_settings(app, SMS_RECONCILE_AFTER_S=reconcile_after)
    relay = start_sms_relay(app)
    click.echo("SMS relay running", err=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        relay.stop()


def init_app(app: Flask) -> None:
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(views.api)
    app.register_blueprint(pages.bp)
    app.register_blueprint(simulator.bp)
    app.cli.add_command(sms_cli)
