"""Background work: the event relay (and, with the timers, the scheduler).

Started once: by `flask --app wsgi serve` in the embedded default, or by
`flask --app wsgi scheduler run` scaled out. Never at import time and never by the app factory,
so CLI commands, tests and extra web processes start none.
"""

from __future__ import annotations

import logging

from flask import Flask

from core.relay import EventRelay

log = logging.getLogger(__name__)


def start_background(app: Flask, *, force: bool = False) -> EventRelay | None:
    if not (force or app.config["EMBEDDED_WORKERS"]):
        log.info("background workers run in the scheduler process (EMBEDDED_WORKERS is off)")
        return None
    if "event_relay" in app.extensions:
        return app.extensions["event_relay"]  # type: ignore[no-any-return]
    relay = EventRelay(app)
    app.extensions["event_relay"] = relay
    relay.start()
    return relay
