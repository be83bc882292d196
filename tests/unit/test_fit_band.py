"""DOMAIN "Fit and the ETA band": language and youth fit move a unit above faster ones only within
the band of the incident's priority (emergent 5 min, urgent 15, routine 30)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dispatch.recommend import IncidentSite, UnitCandidate, fit_band_s, recommend
from geo.travel import StraightLineRouter

NOW = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
ROUTER = StraightLineRouter()
SITE = (44.4781, -73.2125)  # Church St, Burlington
KM_NORTH = 1 / 111.2  # degrees of latitude per km


def unit(unit_id: int, km: float, *, languages: tuple[str, ...] = ("en",), youth: bool = False) -> UnitCandidate:
    return UnitCandidate(
        unit_id=unit_id,
        call_sign=f"MCT-{unit_id}",
        status="available",
        lat=SITE[0] + km * KM_NORTH,
        lon=SITE[1],
        location_at=NOW,
        home_lat=SITE[0],
        home_lon=SITE[1],
        languages=languages,
        youth=youth,
    )


def km_for_minutes_later(minutes: float, than_km: float) -> float:
    """How far a unit must be to arrive `minutes` after one `than_km` away."""
    seconds = ROUTER.seconds_for_straight_m(than_km * 1000) + minutes * 60
    return ROUTER.straight_m_for_seconds(seconds) / 1000


def ranked(priority: str, units: list[UnitCandidate], **needs: object) -> list[str]:
    site = IncidentSite(SITE[0], SITE[1], priority=priority, **needs)  # type: ignore[arg-type]
    recs = recommend(
        incident=site,
        units=units,
        now=NOW,
        stale_after_s=900,
        router=ROUTER,
        fit_window_s=fit_band_s(priority),
        limit=10,
    )
    return [r.call_sign for r in recs]


def spanish_fleet(minutes_behind: float) -> list[UnitCandidate]:
    """Three English-speaking units 1-3 km away, and the only Spanish speaker further out."""
    return [
        unit(1, 1.0),
        unit(2, 1.5),
        unit(3, 2.0),
        unit(4, km_for_minutes_later(minutes_behind, 1.0), languages=("en", "es")),
    ]


def test_the_only_spanish_speaker_ranked_4th_by_eta_is_first_for_an_urgent_spanish_speaking_teen():
    fleet = spanish_fleet(12)
    assert ranked("urgent", fleet) == ["MCT-1", "MCT-2", "MCT-3", "MCT-4"]  # no needs: by ETA
    assert ranked("urgent", fleet, needs_language="es", needs_youth=True)[0] == "MCT-4"


def test_the_reasons_say_that_fit_moved_the_unit_up_and_by_how_much():
    site = IncidentSite(SITE[0], SITE[1], needs_language="es", priority="urgent")
    first = recommend(
        incident=site,
        units=spanish_fleet(12),
        now=NOW,
        stale_after_s=900,
        router=ROUTER,
        fit_window_s=fit_band_s("urgent"),
    )[0]
    assert first.call_sign == "MCT-4" and first.matches["language"] is True
    assert "ranked ahead of MCT-1 (12 min faster) for language fit (within the 15 min fit band)" in first.reasons


@pytest.mark.parametrize(
    ("priority", "minutes_behind", "first"),
    [
        ("emergent", 4, "MCT-4"),
        ("emergent", 6, "MCT-1"),  # a life in danger now: minutes count more than language
        ("urgent", 14, "MCT-4"),
        ("urgent", 16, "MCT-1"),
        ("routine", 29, "MCT-4"),
        ("routine", 31, "MCT-1"),
    ],
)
def test_fit_decides_only_within_the_band_of_the_priority(priority, minutes_behind, first):
    assert ranked(priority, spanish_fleet(minutes_behind), needs_language="es")[0] == first


def test_youth_training_moves_a_unit_up_within_the_band_too_after_language():
    fleet = [unit(1, 1.0), unit(2, km_for_minutes_later(8, 1.0), youth=True)]
    assert ranked("urgent", fleet, needs_youth=True) == ["MCT-2", "MCT-1"]
    assert ranked("emergent", fleet, needs_youth=True) == ["MCT-1", "MCT-2"]


def test_the_bands_come_from_the_settings():
    class Bands:
        fit_band_emergent_s = 60
        fit_band_urgent_s = 120
        fit_band_routine_s = 240

    assert [fit_band_s(p, Bands()) for p in ("emergent", "urgent", "routine")] == [60, 120, 240]
    assert [fit_band_s(p) for p in ("emergent", "urgent", "routine", None)] == [300, 900, 1800, 300]
