"""Recommendations from the database (CONTRACT.md): units at known Burlington coordinates."""

from __future__ import annotations

from core.extensions import db
from tests.support.dispatch_factories import FAR, MIDDLE, NEAR, make_incident, make_placed_unit


def recommend(api, incident_id):
    response = api.as_role("dispatcher").get(f"/api/v1/incidents/{incident_id}/recommendations")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_units_are_ordered_by_eta_and_out_of_service_units_are_absent(app, api):
    incident_id = make_incident(app)
    far = make_placed_unit(app, FAR, call_sign="FAR-1")
    near = make_placed_unit(app, NEAR, call_sign="NEAR-1")
    middle = make_placed_unit(app, MIDDLE, call_sign="MID-1")
    make_placed_unit(app, NEAR, call_sign="OOS-1", status="out_of_service")
    make_placed_unit(app, NEAR, call_sign="OFF-1", status="off_duty")
    body = recommend(api, incident_id)
    assert body["incident_id"] == incident_id
    units = body["units"]
    assert [u["unit_id"] for u in units] == [near, middle, far]
    etas = [u["eta_seconds"] for u in units]
    assert etas == sorted(etas) and etas[0] > 0
    assert 100 < units[0]["distance_m"] < 600 and 4000 < units[2]["distance_m"] < 6000
    assert all(u["reasons"] for u in units)


def test_a_stale_position_is_ranked_from_home_and_flagged(app, api):
    incident_id = make_incident(app)
    stale = make_placed_unit(app, NEAR, age_s=3 * 3600, call_sign="STALE-1")
    body = recommend(api, incident_id)
    (unit,) = body["units"]
    assert unit["unit_id"] == stale and unit["location_stale"] is True
    assert any("stale" in reason for reason in unit["reasons"])
    assert unit["distance_m"] > 400  # from home base (~0.6 km), not from the fix (~0.3 km)


def test_a_language_match_is_flagged_and_wins_a_near_tie(app, api):
    incident_id = make_incident(app, language="es")
    english = make_placed_unit(app, NEAR, call_sign="EN-1", languages=["en"])
    spanish = make_placed_unit(app, (NEAR[0] + 0.0008, NEAR[1]), call_sign="ES-1", languages=["en", "es"])
    units = recommend(api, incident_id)["units"]
    assert [u["unit_id"] for u in units] == [spanish, english]
    assert units[0]["matches"]["language"] is True and units[1]["matches"]["language"] is False
    assert "speaks Spanish" in units[0]["reasons"]


def test_a_dispatched_unit_is_not_recommended(app, api):
    first, second = make_incident(app), make_incident(app)
    near = make_placed_unit(app, NEAR)
    middle = make_placed_unit(app, MIDDLE)
    api.as_role("dispatcher").post(f"/api/v1/incidents/{first}/assign", json={"unit_id": near})
    assert [u["unit_id"] for u in recommend(api, second)["units"]] == [middle]


def test_a_far_unit_is_still_found_when_nothing_is_near(app, api):
    incident_id = make_incident(app)
    rutland = make_placed_unit(app, (43.6106, -72.9726), call_sign="RUT-1")  # ~100 km south
    units = recommend(api, incident_id)["units"]
    assert [u["unit_id"] for u in units] == [rutland] and units[0]["distance_m"] > 90_000


def test_the_sql_box_gives_the_same_answer_as_reading_every_unit(app):
    import random

    from core.clock import now as clock_now
    from dispatch.recommend import recommend as rank
    from dispatch.service import (
        DEFAULT_ESTIMATOR,
        dispatchable_candidates,
        get_incident,
        recommend_units,
        require_location,
    )

    rng = random.Random(3)
    incident_id = make_incident(app, language="es")
    for _ in range(120):
        spot = (44.2 + rng.random() * 0.6, -73.4 + rng.random() * 0.6)
        make_placed_unit(app, spot, age_s=rng.choice([60, 5000]), languages=rng.choice([["en"], ["en", "es"]]))
    with app.app_context():
        at = clock_now()
        boxed = recommend_units(
            session=db.session, incident_id=incident_id, router=DEFAULT_ESTIMATOR, clock=lambda: at, stale_after_s=900
        )
        site = require_location(get_incident(session=db.session, incident_id=incident_id))
        everything = rank(
            incident=site,
            units=dispatchable_candidates(session=db.session),
            now=at,
            stale_after_s=900,
            router=DEFAULT_ESTIMATOR,
            limit=10,
        )
    assert [r.unit_id for r in boxed] == [r.unit_id for r in everything]
    assert len(boxed) == 10
