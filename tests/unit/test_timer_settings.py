"""Timer settings from CONTRACT.md names, and the follow-up window by risk level (DOMAIN.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config import TIMER_DEFAULTS, ConfigError, Settings, TimerSettings


def test_defaults_are_those_of_the_domain() -> None:
    settings = Settings.from_env({"APP_ENV": "testing"}).timers
    assert (settings.ack_repage_after_s, settings.ack_reassign_after_s) == (120, 300)
    assert (settings.checkin_interval_s, settings.pending_sla_s, settings.position_stale_s) == (900, 300, 900)
    assert settings.checkin_reply_within_s == 300
    assert (settings.followup_after_high_s, settings.followup_after_low_s) == (86400, 259200)
    assert TIMER_DEFAULTS["TIMER_SWEEP_S"] == 2 and TIMER_DEFAULTS["ACK_REPAGE_AFTER_S"] == 120


def test_followup_is_due_within_a_day_after_moderate_or_high_three_days_after_low_none_after_none() -> None:
    settings = Settings.from_env(
        {"APP_ENV": "testing", "FOLLOWUP_AFTER_HIGH_S": "3600", "FOLLOWUP_AFTER_LOW_S": "7200"}
    )
    timers = settings.timers
    assert timers.followup_after("high") == timedelta(hours=1)
    assert timers.followup_after("moderate") == timedelta(hours=1)
    assert timers.followup_after("low") == timedelta(hours=2)
    assert timers.followup_after("none") is None


def test_a_timer_that_is_not_a_number_of_seconds_stops_the_start_with_its_name() -> None:
    with pytest.raises(ConfigError, match="PENDING_SLA_S"):
        Settings.from_env({"APP_ENV": "testing", "PENDING_SLA_S": "five minutes"})
    with pytest.raises(ConfigError, match="ACK_REPAGE_AFTER_S"):
        Settings.from_env({"APP_ENV": "testing", "ACK_REPAGE_AFTER_S": "0"})


def test_timer_settings_are_plain_values_a_service_test_can_make() -> None:
    assert TimerSettings(pending_sla_s=5).pending_sla_s == 5
