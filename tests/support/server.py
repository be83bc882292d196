"""A real server on a loopback port, in a thread of the test process, with the event relay running."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server

from core.background import start_background
from core.deps import replace_settings


@contextmanager
def serve(app: Any, *, relay: bool = True, sms: bool = False, scheduler: bool = False) -> Iterator[str]:
    """Serve `app` (use the `live_app` fixture) on 127.0.0.1:<free port>; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    replace_settings(app, PUBLIC_BASE_URL=f"http://127.0.0.1:{server.server_port}")
    if relay:
        start_background(app, force=True, sms=sms, scheduler=scheduler)
    thread = threading.Thread(target=server.serve_forever, name="test-server", daemon=True)
    thread.start()
    try:
        yield app.config["PUBLIC_BASE_URL"]
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        found = app.extensions.pop("event_relay", None)
        if found is not None:
            found.stop()
        if sms:
            from notifications.sending import stop_sms_relay

            stop_sms_relay(app)
        if scheduler:
            from timers.scheduler import stop_scheduler

            stop_scheduler()
