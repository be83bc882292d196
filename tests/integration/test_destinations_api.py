"""`GET /api/v1/incidents/<id>/facilities`: where a team may take the person, from the database."""

from __future__ import annotations

from core.extensions import db
from dispatch.models import Incident
from tests.support.dispatch_factories import FAR, MIDDLE, NEAR, make_incident
from tests.support.facility_places import make_facility
from tests.support.factories import make_user
from tests.support.sms_factories import assigned_incident


def destinations(api, incident_id, query="", role="dispatcher"):
    answer = api.as_role(role).get(f"/api/v1/incidents/{incident_id}/facilities{query}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_open_beds_first_then_by_eta_in_the_contract_shape(app, api):
    incident_id = make_incident(app)
    full_near = make_facility(app, NEAR, beds={"adult": (6, 0)}, name="Full near")
    open_far = make_facility(app, FAR, beds={"adult": (8, 2)}, name="Open far")
    open_mid = make_facility(app, MIDDLE, beds={"adult": (4, 1)}, name="Open middle", phone="+18025550900")
    make_facility(app, NEAR, beds={"adult": (9, 9)}, name="Closed", active=False)
    body = destinations(api, incident_id)
    assert body["incident_id"] == incident_id and body["bed_type"] == "adult" and body["located"] is True
    places = body["facilities"]
    assert [p["facility_id"] for p in places] == [open_mid, open_far, full_near]
    first = places[0]
    assert set(first) >= {"facility_id", "name", "kind", "eta_seconds", "distance_m", "bed_type", "available",
                          "beds_stale", "accepts", "reasons"}  # fmt: skip
    assert first["bed_type"] == "adult" and first["available"] == 1 and first["beds_stale"] is False
    assert first["accepts"] == {"youth": False, "involuntary": False, "walk_in": True}
    assert first["phone"] == "+18025550900"
    assert 1_500 < first["distance_m"] < 2_100 and first["eta_seconds"] > 60
    assert first["reasons"][0] == "1 adult bed open"
    assert f"{round(first['eta_seconds'] / 60)} min away" in first["reasons"]
    assert places[2]["reasons"][0] == "no adult beds open (0 of 6)"


def test_a_stale_count_is_listed_and_flagged(app, api):
    incident_id = make_incident(app)
    stale = make_facility(app, NEAR, beds={"adult": (6, 3)}, counted_ago_s=5 * 3600)
    never = make_facility(app, MIDDLE, beds={"adult": (6, 3)}, counted_ago_s=None)
    places = {p["facility_id"]: p for p in destinations(api, incident_id)["facilities"]}
    assert places[stale]["beds_stale"] is True and "count 5 h old — call ahead" in places[stale]["reasons"]
    assert places[never]["beds_stale"] is True and "count never reported — call ahead" in places[never]["reasons"]


def test_the_stale_setting_decides_what_is_stale(app, api):
    from core.deps import replace_settings

    replace_settings(app, facility_beds_stale_s=60)
    incident_id = make_incident(app)
    place = make_facility(app, NEAR, beds={"adult": (6, 3)}, counted_ago_s=600)
    (only,) = destinations(api, incident_id)["facilities"]
    assert only["facility_id"] == place and only["beds_stale"] is True


def test_a_youth_incident_gets_facilities_that_accept_youth_with_youth_beds(app, api):
    incident_id = make_incident(app, youth=True)
    make_facility(app, NEAR, beds={"adult": (6, 4)}, name="Adults only")
    youth_house = make_facility(app, FAR, beds={"youth": (4, 1)}, youth=True, name="Youth house")
    make_facility(app, MIDDLE, beds={"adult": (4, 4)}, youth=True, name="Takes youth, no youth beds")
    body = destinations(api, incident_id)
    assert body["bed_type"] == "youth"
    assert [p["facility_id"] for p in body["facilities"]] == [youth_house]
    assert body["facilities"][0]["reasons"][:1] == ["1 youth bed open"]
    assert "accepts youth" in body["facilities"][0]["reasons"]


def test_an_involuntary_hold_is_asked_for_or_read_from_the_outcome(app, api):
    incident_id = make_incident(app)
    voluntary = make_facility(app, NEAR, beds={"adult": (6, 4)})
    holds = make_facility(app, FAR, beds={"adult": (6, 1)}, involuntary=True)
    unknown = {p["facility_id"]: p for p in destinations(api, incident_id)["facilities"]}
    assert set(unknown) == {voluntary, holds}
    assert "voluntary only" in unknown[voluntary]["reasons"]
    assert "takes involuntary holds" in unknown[holds]["reasons"]
    held = destinations(api, incident_id, "?involuntary=true")["facilities"]
    assert [p["facility_id"] for p in held] == [holds]
    assert len(destinations(api, incident_id, "?involuntary=false")["facilities"]) == 2
    with app.app_context():
        db.session.get(Incident, incident_id).outcome = "involuntary_hold"
        db.session.commit()
    assert [p["facility_id"] for p in destinations(api, incident_id)["facilities"]] == [holds]


def test_a_bed_type_asked_for(app, api):
    incident_id = make_incident(app)
    detox = make_facility(app, FAR, beds={"detox": (10, 2)})
    make_facility(app, NEAR, beds={"adult": (6, 3)})
    body = destinations(api, incident_id, "?bed_type=detox")
    assert body["bed_type"] == "detox" and [p["facility_id"] for p in body["facilities"]] == [detox]


def test_limit_gives_the_first_ones_and_says_how_many_are_left_off(app, api):
    incident_id = make_incident(app)
    first = make_facility(app, NEAR, beds={"adult": (6, 2)})
    make_facility(app, MIDDLE, beds={"adult": (6, 2)})
    make_facility(app, FAR, beds={"adult": (6, 2)})
    body = destinations(api, incident_id, "?limit=1")
    assert [p["facility_id"] for p in body["facilities"]] == [first] and body["left_off"] == 2
    assert destinations(api, incident_id)["left_off"] == 0


def test_an_incident_with_no_location_is_still_answered_by_name(app, api):
    incident_id = make_incident(app, lat=None, lon=None, address="somewhere by the lake")
    make_facility(app, NEAR, beds={"adult": (6, 2)}, name="Zephyr House")
    make_facility(app, FAR, beds={"adult": (6, 1)}, name="Alder House")
    body = destinations(api, incident_id)
    assert body["located"] is False
    assert [p["name"] for p in body["facilities"]] == ["Alder House", "Zephyr House"]
    assert all(p["eta_seconds"] is None and p["distance_m"] is None for p in body["facilities"])
    assert all("no ETA: the incident has no location" in p["reasons"] for p in body["facilities"])


def test_bad_parameters_answer_422_with_fields_and_an_unknown_incident_404(app, api):
    incident_id = make_incident(app)
    dispatcher = api.as_role("dispatcher")
    for query, field in (("?bed_type=sofa", "bed_type"), ("?involuntary=perhaps", "involuntary"), ("?limit=0", "limit"),
                         ("?limit=501", "limit"), ("?sort=name", "sort")):  # fmt: skip
        answer = dispatcher.get(f"/api/v1/incidents/{incident_id}/facilities{query}")
        assert answer.status_code == 422, query
        assert field in answer.get_json()["error"]["fields"], answer.get_json()
    missing = dispatcher.get("/api/v1/incidents/999999/facilities")
    assert missing.status_code == 404 and missing.get_json()["error"]["message"]


def test_roles_staff_yes_field_only_their_own_facility_users_never(app, api, client):
    make_facility(app, NEAR, beds={"adult": (6, 2)})
    incident_id, unit_id = assigned_incident(app)
    other_id = make_incident(app)
    for role in ("operator", "dispatcher", "supervisor", "admin"):
        assert api.as_role(role).get(f"/api/v1/incidents/{incident_id}/facilities").status_code == 200, role
    own_team = api.as_role("field", unit_id=unit_id)
    assert own_team.get(f"/api/v1/incidents/{incident_id}/facilities").status_code == 200
    refused = own_team.get(f"/api/v1/incidents/{other_id}/facilities")
    assert refused.status_code == 403 and refused.get_json()["error"]["message"]
    _, facility_token = make_user(app, "facility", facility_id=make_facility(app, FAR, beds={"adult": (1, 1)}))
    staff_of_a_facility = client.get(
        f"/api/v1/incidents/{incident_id}/facilities", headers={"Authorization": f"Bearer {facility_token}"}
    )
    assert staff_of_a_facility.status_code == 403
    assert client.get(f"/api/v1/incidents/{incident_id}/facilities").status_code == 401


def test_asking_writes_no_audit_entry(app, api):
    from sqlalchemy import func, select

    from core.models import AuditEntry

    incident_id = make_incident(app)
    make_facility(app, NEAR, beds={"adult": (6, 2)})
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    destinations(api, incident_id)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_the_ranking_takes_the_bed_the_transport_will_take(app):
    """The bed type a destination is ranked on is the one a transport there records
    (facilities.beds.bed_type_for), for each kind of facility and person."""
    from facilities.beds import bed_type_for
    from facilities.rank import BedCount, FacilityCandidate, Person

    shapes = [{"adult": 3}, {"observation": 12}, {"detox": 8}, {"observation": 4, "detox": 2}, {"youth": 2}, {}]
    for youth in (None, False, True):
        for shape in shapes:
            facility = FacilityCandidate(
                facility_id=1, name="F", kind="stabilization", lat=0, lon=0, accepts_youth=True,
                beds={t: BedCount(total=n, available=1) for t, n in shape.items()},
            )  # fmt: skip
            assert Person(0, 0, youth=youth).bed_type_at(facility) == bed_type_for(youth=youth, offered=shape)
