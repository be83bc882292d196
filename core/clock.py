"""The service's clock. Tests replace it to move time without sleeping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from core.db import utcnow


class Clock(Protocol):
    """What services that stamp times are given: `now` below, or a test's fake."""

    def __call__(self) -> datetime: ...


_now: Callable[[], datetime] = utcnow


def now() -> datetime:
    return _now()


def set_clock(function: Callable[[], datetime] | None) -> None:
    """Install a clock (a function returning aware UTC datetimes); None restores the real one."""
    global _now
    _now = function or utcnow
