"""The position-staleness setting the callers of `UnitRead.of` pass in (dispatch/schemas.py holds
the JSON shapes of incidents, units, assignments and recommendations)."""

from __future__ import annotations

from flask import current_app, has_app_context

DEFAULT_STALE_S = 900


def stale_after_s() -> int:
    """POSITION_STALE_S from the app's settings (the DOMAIN.md default outside an app)."""
    if has_app_context():
        return int(current_app.config.get("POSITION_STALE_S", DEFAULT_STALE_S))
    return DEFAULT_STALE_S
