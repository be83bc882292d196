"""The facilities API (CONTRACT "Facilities and beds"): who reads which facilities, adding and
changing them (addresses geocoded like a call's), bed reports and their rules, staleness."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from core.clock import now as clock_now
from core.deps import replace_settings
from core.extensions import db
from core.models import AuditEntry, Event
from core.ports import ports_of
from geo.local import AddressPoint
from geo.service import import_address_points
from tests.support.facility_factories import make_facility
from tests.support.factories import Api
from tests.support.timer_factories import MovableClock

PEARL = (44.4799, -73.2155)


@pytest.fixture
def clock() -> Iterator[MovableClock]:
    moving = MovableClock().install()
    yield moving
    MovableClock.uninstall()


@pytest.fixture
def pearl_street(live_app: Any) -> Any:
    """An app whose local geocoder knows one address point, 12 Pearl Street (in a database of its
    own: the locator reads through a connection of its own, committed)."""
    app = live_app
    with app.app_context():
        import_address_points(
            session=db.session,
            points=[AddressPoint("12", "Pearl Street", "", "Burlington", "VT", "05401", *PEARL)],
        )
        db.session.commit()
    ports_of(app).locator.forget_local_points()
    return app


NEW = {
    "name": "Harbor Crisis Center",
    "kind": "stabilization",
    "lat": 44.47,
    "lon": -73.21,
    "address": "5 Harbor Road, Burlington",
    "phone": "(802) 555-0199",
    "accepts": {"youth": True, "walk_in": True},
    "beds": {"adult": {"total": 6, "available": 2}, "youth": {"total": 2, "available": 0}},
}


def audits(app: Any, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def facility_events(app: Any) -> list[Event]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Event).where(Event.type == "facility.updated").order_by(Event.id)))


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["operator", "dispatcher", "supervisor", "field", "admin"])
def test_every_role_reads_every_active_facility_with_its_beds(app, api, role):
    open_id = make_facility(app, name="Alpha House", beds={"adult": (3, 8), "detox": (0, 4)})
    make_facility(app, name="Closed Place", active=False)
    answer = api.as_role(role).get("/api/v1/facilities")
    assert answer.status_code == 200
    listed = answer.get_json()
    assert [f["name"] for f in listed] == ["Alpha House"]
    (alpha,) = listed
    assert alpha["id"] == open_id and alpha["kind"] == "crisis_receiving"
    assert alpha["beds"] == {"adult": {"total": 8, "available": 3}, "detox": {"total": 4, "available": 0}}
    assert alpha["accepts"] == {"youth": False, "involuntary": True, "walk_in": True}
    assert alpha["beds_stale"] is False and alpha["beds_updated_at"] is not None
    assert alpha["incoming"] == [] and alpha["phone"] == "+18025550900"


def test_the_list_takes_limit_kind_and_closed_ones_and_refuses_what_it_does_not_know(app, api):
    for name in ("B", "A", "C"):
        make_facility(app, name=f"{name} Place", kind="detox" if name != "C" else "respite")
    make_facility(app, name="D Closed", active=False)
    admin = api.as_role("admin")
    assert [f["name"] for f in admin.get("/api/v1/facilities?limit=2").get_json()] == ["A Place", "B Place"]
    assert [f["name"] for f in admin.get("/api/v1/facilities?kind=respite").get_json()] == ["C Place"]
    everything = admin.get("/api/v1/facilities?include_inactive=true").get_json()
    assert "D Closed" in [f["name"] for f in everything] and {f["active"] for f in everything} == {True, False}
    for query, field in (("limit=0", "limit"), ("limit=501", "limit"), ("limit=many", "limit"), ("kind=spa", "kind")):
        refused = admin.get(f"/api/v1/facilities?{query}")
        assert refused.status_code == 422 and field in refused.get_json()["error"]["fields"], query
    unknown = admin.get("/api/v1/facilities?near=here")
    assert unknown.status_code == 422 and "near" in unknown.get_json()["error"]["fields"]


def test_a_facility_user_sees_only_their_own_facility(app, api):
    mine, theirs = make_facility(app, name="Mine"), make_facility(app, name="Theirs")
    staff = api.as_role("facility", facility_id=mine)
    assert [f["id"] for f in staff.get("/api/v1/facilities").get_json()] == [mine]
    assert staff.get(f"/api/v1/facilities/{mine}").status_code == 200
    refused = staff.get(f"/api/v1/facilities/{theirs}")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    nowhere = api.as_role("facility")  # an account tied to no facility sees none
    assert nowhere.get("/api/v1/facilities").get_json() == []


def test_an_unknown_facility_is_a_404(app, api):
    dispatcher, admin = api.as_role("dispatcher"), api.as_role("admin")
    assert dispatcher.get("/api/v1/facilities/999999").status_code == 404
    assert admin.patch("/api/v1/facilities/999999", json={"name": "X"}).status_code == 404
    answer = dispatcher.post("/api/v1/facilities/999999/beds", json={"beds": {"adult": {"available": 1}}})
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"


def test_a_count_older_than_the_setting_or_never_given_is_stale(app, api, clock):
    replace_settings(app, facility_beds_stale_s=3600)
    fresh = make_facility(app, name="Fresh")
    never = make_facility(app, name="Never", beds={}, beds_updated_at=None)
    reader = api.as_role("field")
    stale = {f["name"]: f["beds_stale"] for f in reader.get("/api/v1/facilities").get_json()}
    assert stale == {"Fresh": False, "Never": True}
    clock.move(3601)
    assert reader.get(f"/api/v1/facilities/{fresh}").get_json()["beds_stale"] is True
    assert reader.get(f"/api/v1/facilities/{never}").get_json()["beds_updated_at"] is None


# --- adding and changing -----------------------------------------------------------------------


def test_an_admin_adds_a_facility_and_its_phone_is_stored_in_e164(app, api):
    answer = api.as_role("admin").post("/api/v1/facilities", json=NEW)
    assert answer.status_code == 201, answer.get_json()
    made = answer.get_json()
    assert made["phone"] == "+18025550199" and (made["lat"], made["lon"]) == (44.47, -73.21)
    assert made["address"] == "5 Harbor Road, Burlington"
    assert made["accepts"] == {"youth": True, "involuntary": False, "walk_in": True}
    assert made["beds"] == {"adult": {"total": 6, "available": 2}, "youth": {"total": 2, "available": 0}}
    assert made["beds_stale"] is False
    (entry,) = audits(app, "facility.create")
    assert entry.record_id == str(made["id"]) and entry.detail["name"] == "Harbor Crisis Center"
    assert [e.facility_id for e in facility_events(app)] == [made["id"]]


def test_an_address_without_lat_lon_is_geocoded_like_a_calls(pearl_street):
    api = Api(pearl_street)
    body = {"name": "Pearl Respite", "kind": "respite", "address": "12 pearl st"}
    answer = api.as_role("admin").post("/api/v1/facilities", json=body)
    assert answer.status_code == 201, answer.get_json()
    assert (answer.get_json()["lat"], answer.get_json()["lon"]) == PEARL
    assert answer.get_json()["beds"] == {} and answer.get_json()["beds_stale"] is True
    lost = api.as_role("admin").post("/api/v1/facilities", json={**body, "name": "X", "address": "1 Nowhere Lane"})
    assert lost.status_code == 422 and lost.get_json()["error"]["fields"] == {"address": "not found"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"kind": "spa"}, "kind"),
        ({"phone": "call me"}, "phone"),
        ({"lat": 44.4, "lon": None}, "lon"),
        ({"lat": 95}, "lat"),
        ({"address": None, "lat": None, "lon": None}, "address"),
        ({"beds": {"suite": {"total": 1, "available": 1}}}, "beds.suite.[key]"),
        ({"beds": {"adult": {"total": 2, "available": 3}}}, "beds.adult.available"),
        ({"beds": {"adult": {"total": -1, "available": 0}}}, "beds.adult.total"),
        ({"beds": {"adult": {"total": "4", "available": 0}}}, "beds.adult.total"),
        ({"accepts": {"youth": "yes"}}, "accepts.youth"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_a_facility_that_breaks_a_rule_is_refused_naming_the_field(app, api, change, field):
    answer = api.as_role("admin").post("/api/v1/facilities", json={**NEW, **change})
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["error"]["fields"], answer.get_json()
    assert audits(app, "facility.create") == []


def test_a_name_taken_in_any_case_is_a_conflict(app, api):
    make_facility(app, name="Harbor Crisis Center")
    admin = api.as_role("admin")
    answer = admin.post("/api/v1/facilities", json={**NEW, "name": "harbor  crisis center"})
    assert answer.status_code == 409
    assert answer.get_json()["error"]["fields"] == {"name": "taken"}
    assert "exists already" in answer.get_json()["error"]["message"]
    other = make_facility(app, name="Other")
    assert admin.patch(f"/api/v1/facilities/{other}", json={"name": "HARBOR CRISIS CENTER"}).status_code == 409


@pytest.mark.parametrize("role", ["operator", "dispatcher", "supervisor", "field", "facility"])
def test_only_an_admin_adds_or_changes_a_facility(app, api, role):
    place = make_facility(app)
    user = api.as_role(role, facility_id=place if role == "facility" else None)
    assert user.post("/api/v1/facilities", json=NEW).status_code == 403
    assert user.patch(f"/api/v1/facilities/{place}", json={"name": "Mine now"}).status_code == 403


def test_an_admin_changes_a_facility_and_the_audit_keeps_what_was_replaced(pearl_street):
    app, api = pearl_street, Api(pearl_street)
    place = make_facility(app, name="Old Name", phone="+18025550900")
    admin = api.as_role("admin")
    answer = admin.patch(
        f"/api/v1/facilities/{place}",
        json={"name": "New Name", "phone": "802.555.0111", "accepts": {"youth": True}, "address": "12 Pearl Street"},
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["name"] == "New Name" and body["phone"] == "+18025550111"
    assert body["accepts"] == {"youth": True, "involuntary": True, "walk_in": True}  # the others kept
    assert (body["lat"], body["lon"]) == PEARL
    (entry,) = audits(app, "facility.update")
    assert entry.detail["before"]["name"] == "Old Name" and entry.detail["after"]["name"] == "New Name"
    assert entry.detail["before"]["phone"] == "+18025550900"
    moved = admin.patch(f"/api/v1/facilities/{place}", json={"lat": 44.49, "lon": -73.2})
    assert (moved.get_json()["lat"], moved.get_json()["lon"]) == (44.49, -73.2)
    assert moved.get_json()["address"] == body["address"]  # the words stay
    closed = admin.patch(f"/api/v1/facilities/{place}", json={"active": False, "phone": None})
    assert closed.get_json()["active"] is False and closed.get_json()["phone"] is None
    assert [f["id"] for f in admin.get("/api/v1/facilities").get_json()] == []
    unresolved = admin.patch(f"/api/v1/facilities/{place}", json={"address": "1 Nowhere Lane"})
    assert unresolved.status_code == 422 and "address" in unresolved.get_json()["error"]["fields"]


# --- beds ------------------------------------------------------------------------------------


def test_staff_of_the_facility_and_dispatchers_report_beds_and_the_count_is_fresh(app, api, clock):
    replace_settings(app, facility_beds_stale_s=3600)
    place = make_facility(app, beds={"adult": (3, 8)}, beds_updated_at=clock_now() - timedelta(hours=5))
    staff = api.as_role("facility", facility_id=place)
    assert staff.get(f"/api/v1/facilities/{place}").get_json()["beds_stale"] is True
    answer = staff.post(
        f"/api/v1/facilities/{place}/beds",
        json={"beds": {"adult": {"available": 5}, "observation": {"available": 2, "total": 4}}},
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["beds"] == {"adult": {"total": 8, "available": 5}, "observation": {"total": 4, "available": 2}}
    assert body["beds_stale"] is False and body["beds_updated_at"] == clock_now().isoformat()
    dispatcher = api.as_role("dispatcher")
    again = dispatcher.post(f"/api/v1/facilities/{place}/beds", json={"beds": {"adult": {"available": 0, "total": 6}}})
    assert again.get_json()["beds"]["adult"] == {"total": 6, "available": 0}
    entries = audits(app, "facility.beds")
    assert [e.detail["before"] for e in entries] == [
        {"adult": {"total": 8, "available": 3}},
        {"adult": {"total": 8, "available": 5}},
    ]
    events = facility_events(app)
    assert len(events) == 2 and events[-1].facility_id == place
    assert events[-1].data["beds"]["adult"] == {"total": 6, "available": 0}


@pytest.mark.parametrize("role", ["operator", "supervisor", "field"])
def test_other_roles_may_not_report_beds(app, api, role):
    place = make_facility(app)
    answer = api.as_role(role).post(f"/api/v1/facilities/{place}/beds", json={"beds": {"adult": {"available": 1}}})
    assert answer.status_code == 403


def test_another_facilitys_user_may_not_report_its_beds(app, api):
    mine, theirs = make_facility(app), make_facility(app)
    staff = api.as_role("facility", facility_id=mine)
    answer = staff.post(f"/api/v1/facilities/{theirs}/beds", json={"beds": {"adult": {"available": 1}}})
    assert answer.status_code == 403 and "facility you work at" in answer.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("beds", "field"),
    [
        ({"adult": {"available": 9}}, "beds.adult.available"),  # more than the 8 there are
        ({"adult": {"available": 4, "total": 3}}, "beds.adult.available"),
        ({"adult": {"available": -1}}, "beds.adult.available"),
        ({"adult": {"available": "2"}}, "beds.adult.available"),
        ({"adult": {"available": 2.5}}, "beds.adult.available"),
        ({"adult": {"available": True}}, "beds.adult.available"),
        ({"adult": {}}, "beds.adult.available"),
        ({"detox": {"available": 1}}, "beds.detox.total"),  # a type the facility does not list yet
        ({"suite": {"available": 1, "total": 1}}, "beds.suite.[key]"),
        ({}, "beds"),
    ],
)
def test_a_bed_report_that_breaks_a_rule_is_refused_naming_the_field(app, api, beds, field):
    place = make_facility(app, beds={"adult": (3, 8)})
    answer = api.as_role("dispatcher").post(f"/api/v1/facilities/{place}/beds", json={"beds": beds})
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["error"]["fields"], answer.get_json()
    shown = api.as_role("dispatcher").get(f"/api/v1/facilities/{place}").get_json()
    assert shown["beds"] == {"adult": {"total": 8, "available": 3}}
    assert audits(app, "facility.beds") == [] and facility_events(app) == []


def test_a_bed_report_body_that_is_not_an_object_is_refused(app, api):
    place = make_facility(app)
    dispatcher = api.as_role("dispatcher")
    assert dispatcher.post(f"/api/v1/facilities/{place}/beds", json={"beds": [1, 2]}).status_code == 422
    assert dispatcher.post(f"/api/v1/facilities/{place}/beds", json=["adult"]).status_code == 422
    raw = dispatcher.post(f"/api/v1/facilities/{place}/beds", data="{", headers={"Content-Type": "application/json"})
    assert raw.status_code == 400
