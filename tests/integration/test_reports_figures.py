"""GET /api/v1/reports/summary: every figure of DOMAIN "Figures the product reports" against a small
day worked out by hand (2026-11-10, UTC), its moves made through the dispatch services with `at`.

The day:
  A  09:00 phone call (no incident)
  A1 10:00 mobile_team emergent, Downtown (urban): dispatched 10:02, acknowledged 10:03, en route 10:05,
     on scene 10:25, cleared 11:10 stabilized_on_scene, no police
  B  12:00 mobile_team urgent, Downtown: dispatched 12:10, requeued 12:12 (the unit broke down),
     dispatched again 12:20, acknowledged 12:21, en route 12:25, on scene 12:55, transporting 13:30,
     at facility 13:50, cleared 14:00 transported_crisis_facility, police present
  E  15:00 mobile_team urgent, in no area: cancelled 15:05 before any dispatch
  G  16:00 emergency_911, transfer recorded 16:01:30;  H 17:00 emergency_911, transfer 17:04;
  I  18:00 emergency_911, no transfer recorded
  C  20:00 co_response emergent, Hills (rural): dispatched 20:05, en route 20:06 (no acknowledgement),
     on scene 21:30, cleared 22:00 declined_services, police present
  D  21:00 mobile_team emergent, Downtown: dispatched 21:01, acknowledged 21:02, en route 21:03,
     on scene 22:30, cleared 23:00 without an outcome (nor police presence)
  and two calls just outside: 2026-11-09 23:59:59 and 2026-11-11 00:00:00 (`to` is excluded).
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from math import floor
from typing import Any

import pytest

from tests.support.dispatch_factories import make_call
from tests.support.report_factories import (
    DOWNTOWN,
    HILLS,
    NOWHERE,
    make_facility,
    make_response,
    make_transferred_call,
    use_areas,
)

DAY = datetime(2026, 11, 10, tzinfo=UTC)
PERIOD = "from=2026-11-10T00:00:00%2B00:00&to=2026-11-11T00:00:00Z"


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return DAY + timedelta(hours=hh, minutes=mm, seconds=ss)


# Hand-computed intervals of the day, in seconds, per incident (A1, B, C, D).
EXPECTED = {
    "answer_to_dispatch": [120, 600, 300, 60],  # B counts from its first dispatch, 12:10
    "acknowledge": [60, 660, 60],  # B: 12:10 -> 12:21; C never acknowledged
    "turnout": [180, 900, 60, 120],  # C: 20:05 -> 20:06
    "travel": [1200, 1800, 5040, 5220],
    "response": [1500, 3300, 5400, 5400],
    "on_scene": [2700, 2100, 1800, 1800],  # B: on scene until the transport started
}


def quantile(values: list[int], k: int) -> int:
    """The DOMAIN rule by Python's statistics, rounded to whole seconds (halves up)."""
    cut = statistics.quantiles(values, n=100, method="inclusive")[k - 1]
    return floor(Fraction(cut) + Fraction(1, 2))


@pytest.fixture
def day(app: Any) -> dict[str, int]:
    use_areas(app)
    facility = make_facility(app)
    make_call(app, disposition="phone", priority=None, received_at=at(9, 0))  # type: ignore[arg-type]
    ids = {
        "A1": make_response(
            app,
            received_at=at(10, 0),
            priority="emergent",
            place=DOWNTOWN,
            steps=[("dispatch", at(10, 2)), ("acknowledged", at(10, 3)), ("en_route", at(10, 5)),
                   ("on_scene", at(10, 25)), ("cleared", at(11, 10))],
            outcome="stabilized_on_scene",
            police_present=False,
        ),
        "B": make_response(
            app,
            received_at=at(12, 0),
            priority="urgent",
            place=DOWNTOWN,
            steps=[("dispatch", at(12, 10)), ("requeue", at(12, 12)), ("dispatch", at(12, 20)),
                   ("acknowledged", at(12, 21)), ("en_route", at(12, 25)), ("on_scene", at(12, 55)),
                   ("transporting", at(13, 30)), ("at_facility", at(13, 50)), ("cleared", at(14, 0))],
            outcome="transported_crisis_facility",
            police_present=True,
            facility_id=facility,
        ),
        "E": make_response(app, received_at=at(15, 0), place=NOWHERE, steps=[("cancelled", at(15, 5))]),
        "C": make_response(
            app,
            received_at=at(20, 0),
            priority="emergent",
            disposition="co_response",
            place=HILLS,
            steps=[("dispatch", at(20, 5)), ("en_route", at(20, 6)), ("on_scene", at(21, 30)),
                   ("cleared", at(22, 0))],
            outcome="declined_services",
            police_present=True,
        ),
        "D": make_response(
            app,
            received_at=at(21, 0),
            priority="emergent",
            place=DOWNTOWN,
            steps=[("dispatch", at(21, 1)), ("acknowledged", at(21, 2)), ("en_route", at(21, 3)),
                   ("on_scene", at(22, 30)), ("cleared", at(23, 0))],
        ),
    }  # fmt: skip
    make_transferred_call(app, received_at=at(16, 0), transfer_at=at(16, 1, 30))
    make_transferred_call(app, received_at=at(17, 0), transfer_at=at(17, 4))
    make_transferred_call(app, received_at=at(18, 0), transfer_at=None)
    make_response(app, received_at=DAY - timedelta(seconds=1), steps=[("dispatch", DAY + timedelta(minutes=1))])
    make_response(app, received_at=DAY + timedelta(days=1), steps=[("dispatch", DAY + timedelta(days=1, minutes=1))])
    return ids


def summary(api: Any, query: str = PERIOD) -> dict[str, Any]:
    answer = api.as_role("supervisor").get(f"/api/v1/reports/summary?{query}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_the_counts_of_the_day(app, api, day):
    body = summary(api)
    assert body["from"] == "2026-11-10T00:00:00+00:00" and body["to"] == "2026-11-11T00:00:00+00:00"
    assert body["calls"] == 9
    assert body["by_disposition"] == {"phone": 1, "mobile_team": 4, "co_response": 1, "emergency_911": 3}
    assert body["incidents"] == 5  # the cancelled one too
    assert body["cleared"] == 4
    assert body["police_free_share"] == 0.3333  # A1 of A1, B, C (D has no police presence recorded)
    recorded = {name: n for name, n in body["outcomes"].items() if n}
    assert recorded == {"stabilized_on_scene": 1, "transported_crisis_facility": 1, "declined_services": 1}
    assert body["outcomes"]["involuntary_hold"] == 0
    # A1 1500 s <= 60 min; B 3300 s <= 4 h; C 5400 s <= the rural 120 min; D 5400 s > 60 min (urban)
    assert body["response_within_target_share"] == 0.75
    assert body["transfers_911"] == {"n": 2, "median_s": 165}  # 90 s and 240 s
    assert body["followups"] == {"due": 0, "done_in_window": 0, "share": None}  # all due the next day


def test_each_interval_has_its_n_median_and_90th_percentile_by_the_domain_rule(app, api, day):
    intervals = summary(api)["intervals"]
    for name, values in EXPECTED.items():
        assert intervals[name] == {
            "n": len(values),
            "median_s": quantile(values, 50),
            "p90_s": quantile(values, 90),
        }, name
    # Worked by hand: answer to dispatch 60, 120, 300, 600 s: median (120 + 300) / 2; the 90th
    # percentile at rank 1 + 0.9 * 3 = 3.7, i.e. 300 + 0.7 * (600 - 300).
    assert intervals["answer_to_dispatch"] == {"n": 4, "median_s": 210, "p90_s": 510}
    # Acknowledgement 60, 60, 660: rank 1 + 0.9 * 2 = 2.8 -> 60 + 0.8 * 600.
    assert intervals["acknowledge"] == {"n": 3, "median_s": 60, "p90_s": 540}


def test_the_first_dispatch_counts_after_a_requeue(app, api, day):
    intervals = summary(api, PERIOD + "&area=Downtown&priority=urgent")["intervals"]
    assert intervals["answer_to_dispatch"]["median_s"] == 600  # 12:00 -> 12:10, not 12:20
    assert intervals["turnout"]["median_s"] == 900  # 12:10 -> 12:25


def test_a_period_with_nothing_in_it_has_zeros_and_nulls(app, api, day):
    body = summary(api, "from=2026-10-01&to=2026-10-02")
    assert body["calls"] == 0 and body["incidents"] == 0 and body["cleared"] == 0
    assert body["by_disposition"] == {"phone": 0, "mobile_team": 0, "co_response": 0, "emergency_911": 0}
    assert set(body["outcomes"].values()) == {0}
    assert body["police_free_share"] is None and body["response_within_target_share"] is None
    for figure in body["intervals"].values():
        assert figure == {"n": 0, "median_s": None, "p90_s": None}
    assert body["followups"] == {"due": 0, "done_in_window": 0, "share": None}
    assert body["transfers_911"] == {"n": 0, "median_s": None}


def test_one_value_is_its_own_median_and_90th_percentile(app, api, day):
    body = summary(api, PERIOD + "&area=Hills")
    assert body["calls"] == 1 and body["incidents"] == 1
    assert body["intervals"]["response"] == {"n": 1, "median_s": 5400, "p90_s": 5400}
    assert body["intervals"]["acknowledge"] == {"n": 0, "median_s": None, "p90_s": None}
    assert body["response_within_target_share"] == 1.0  # rural: 120 minutes


def test_the_priority_filter(app, api, day):
    body = summary(api, PERIOD + "&priority=emergent")
    assert body["calls"] == 6  # A1, C, D and the three 911 calls
    assert body["by_disposition"] == {"phone": 0, "mobile_team": 2, "co_response": 1, "emergency_911": 3}
    assert body["incidents"] == 3
    assert body["intervals"]["response"]["n"] == 3
    assert body["response_within_target_share"] == 0.6667  # D is late
    assert body["transfers_911"]["n"] == 2


def test_the_area_filter_counts_only_incidents_in_it(app, api, day):
    body = summary(api, PERIOD + "&area=Downtown")
    assert body["calls"] == 3 and body["incidents"] == 3  # A1, B, D: no phone or 911 call is in an area
    assert body["by_disposition"]["phone"] == 0
    assert body["intervals"]["travel"] == {"n": 3, "median_s": 1800, "p90_s": quantile([1200, 1800, 5220], 90)}
    assert body["transfers_911"] == {"n": 0, "median_s": None}


def test_rural_and_urban_targets_and_the_target_settings(app, api, day):
    from tests.support.report_factories import use_settings

    # D's 5400 s is beyond the urban 60 minutes; with a 90-minute urban target it is within.
    assert summary(api, PERIOD + "&area=Downtown")["response_within_target_share"] == 0.6667
    use_settings(app, target_emergent_s=5400)
    assert summary(api, PERIOD + "&area=Downtown")["response_within_target_share"] == 1.0
    use_settings(app, target_emergent_rural_s=3600)  # now C in the Hills is late
    assert summary(api, PERIOD + "&area=Hills")["response_within_target_share"] == 0.0
