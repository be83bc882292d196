"""Background work: the event relay, the SMS relay and the timer scheduler.

Started once: by `flask --app wsgi serve` in the embedded default, or by
`flask --app wsgi scheduler run` scaled out. Never at import time and never by the app factory,
so CLI commands, tests and extra web processes start none.
"""

from __future__ import annotations

import logging

from flask import Flask

from core.relay import EventRelay
from notifications.sending import start_sms_relay
from timers.scheduler import start_scheduler

log = logging.getLogger(__name__)


def start_background(app: Flask, *, force: bool = False, sms: bool = True, scheduler: bool = True) -> EventRelay | None:
    """Start the event relay, the SMS relay and the timer scheduler of this process, once each.

    Tests that serve an app start only what they test (`sms=False`, `scheduler=False`)."""
    if not (force or app.config["EMBEDDED_WORKERS"]):
        log.info("background workers run in the scheduler process (EMBEDDED_WORKERS is off)")
        return None
    relay = app.extensions.get("event_relay")
    if relay is None:
        relay = EventRelay(app)
        app.extensions["event_relay"] = relay
        relay.start()
    if sms:
        start_sms_relay(app)
    if scheduler:
        start_scheduler(app, force=True)
    return relay  # type: ignore[no-any-return]
