"""The SMS sender the settings choose (Twilio, or the console sender of the embedded default) and
this process's SMS relay.

`start_sms_relay(app)` is called once by the process that runs background work (core/background.py);
tests call it directly.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from core.deps import settings_of
from notifications.relay import Backoff, SmsRelay, console_lookup, console_store, twilio_lookup
from notifications.senders import ConsoleSender, SmsSender
from notifications.twilio_sender import DEFAULT_TIMEOUT_S, TwilioSender

log = logging.getLogger(__name__)


def console_active(app: Flask) -> bool:
    """True where texts go to the console sender (no Twilio settings): the `/sms` simulator is on."""
    return not settings_of(app).twilio_configured


def build_sender(app: Flask) -> tuple[SmsSender, Any, float]:
    """The sender the settings choose, the matching sent-message lookup, and how long a `sending`
    row must wait before it is reconciled (longer than any live attempt)."""
    settings = settings_of(app)
    if settings.twilio_configured and settings.twilio_auth_token is not None:
        timeout = settings.sms_http_timeout_s or DEFAULT_TIMEOUT_S
        sender = TwilioSender(
            str(settings.twilio_account_sid),
            settings.twilio_auth_token.get_secret_value(),
            from_number=settings.twilio_from_number,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            # The network edge's seam: tests hand in a twilio HttpClient of their own.
            http_client=app.config.get("SMS_HTTP_CLIENT"),
            base_url=settings.twilio_api_base_url,
            timeout_s=timeout,
        )
        return sender, twilio_lookup(sender), settings.sms_reconcile_after_s or timeout * 2 + 5
    return ConsoleSender(console_store), console_lookup, settings.sms_reconcile_after_s or 5.0


def make_relay(app: Flask, **kwargs: Any) -> SmsRelay:
    sender, lookup, reconcile_after_s = build_sender(app)
    kwargs.setdefault("reconcile_after_s", reconcile_after_s)
    kwargs.setdefault("backoff", Backoff(base_s=settings_of(app).sms_retry_base_s))
    return SmsRelay(app, sender=sender, lookup=lookup, **kwargs)


def start_sms_relay(app: Flask, **kwargs: Any) -> SmsRelay:
    """Start the SMS relay thread of this process (once per app)."""
    existing = app.extensions.get("sms_relay")
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    relay = make_relay(app, **kwargs)
    app.extensions["sms_relay"] = relay
    relay.start()
    log.info("SMS relay started (%s)", "console sender" if console_active(app) else "Twilio")
    return relay


def stop_sms_relay(app: Flask) -> None:
    relay = app.extensions.pop("sms_relay", None)
    if relay is not None:
        relay.stop()
