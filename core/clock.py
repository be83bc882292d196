"""The service's clock. Tests replace it to move time without sleeping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from core.db import utcnow

_now: Callable[[], datetime] = utcnow


def now() -> datetime:
    return _now()


def set_clock(function: Callable[[], datetime] | None) -> None:
    """Install a clock (a function returning aware UTC datetimes); None restores the real one."""
    global _now
    _now = function or utcnow
