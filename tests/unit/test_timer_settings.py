"""Timer settings from CONTRACT.md names, and the follow-up window by risk level (DOMAIN.md)."""

from __future__ import annotations

from datetime import timedelta

from config import TIMER_DEFAULTS
from timers.service import TimerSettings


def test_defaults_are_those_of_the_domain() -> None:
    settings = TimerSettings.from_config(TIMER_DEFAULTS)
    assert (settings.ack_repage_after_s, settings.ack_reassign_after_s) == (120, 300)
    assert (settings.checkin_interval_s, settings.pending_sla_s, settings.position_stale_s) == (900, 300, 900)
    assert settings.checkin_reply_within_s == 300


def test_followup_is_due_within_a_day_after_moderate_or_high_three_days_after_low_none_after_none() -> None:
    settings = TimerSettings.from_config({"FOLLOWUP_AFTER_HIGH_S": "3600", "FOLLOWUP_AFTER_LOW_S": 7200})
    assert settings.followup_after("high") == timedelta(hours=1)
    assert settings.followup_after("moderate") == timedelta(hours=1)
    assert settings.followup_after("low") == timedelta(hours=2)
    assert settings.followup_after("none") is None
