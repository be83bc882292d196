"""Destinations for an incident: which facilities a team in Burlington, VT sees first, and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from facilities.rank import BedCount, Destination, FacilityCandidate, Person, accepts, is_stale, rank_destinations
from geo.travel import LatLon, StraightLineRouter, geodesic_m

NOW = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
STALE_S = 4 * 3600
CHURCH_ST = Person(44.4781, -73.2124)


def place(
    facility_id: int,
    at: LatLon,
    *,
    beds: dict[str, tuple[int, int]] | None = None,
    counted_h_ago: float | None = 0.5,
    youth: bool = False,
    involuntary: bool = False,
    walk_in: bool = True,
    name: str | None = None,
) -> FacilityCandidate:
    return FacilityCandidate(
        facility_id=facility_id,
        name=name or f"F{facility_id}",
        kind="crisis_receiving",
        lat=at[0],
        lon=at[1],
        accepts_youth=youth,
        accepts_involuntary=involuntary,
        accepts_walk_in=walk_in,
        beds={k: BedCount(total=t, available=a) for k, (t, a) in (beds or {}).items()},
        beds_updated_at=None if counted_h_ago is None else NOW - timedelta(hours=counted_h_ago),
    )


def run(facilities: Sequence[FacilityCandidate], person: Person = CHURCH_ST, **kw: object) -> list[Destination]:
    args: dict[str, object] = {
        "person": person,
        "facilities": facilities,
        "now": NOW,
        "stale_after_s": STALE_S,
        "router": StraightLineRouter(),
    }
    args.update(kw)
    return rank_destinations(**args)  # type: ignore[arg-type]


def names(ds: Sequence[Destination]) -> list[str]:
    return [d.name for d in ds]


NEAR = (44.4800, -73.2100)  # ~0.3 km
MID = (44.4779, -73.1965)  # ~1.3 km
FAR = (44.4465, -73.2140)  # ~3.5 km


def test_an_open_bed_goes_first_then_the_nearest() -> None:
    full_near = place(1, NEAR, beds={"adult": (6, 0)})
    open_far = place(2, FAR, beds={"adult": (8, 2)})
    open_mid = place(3, MID, beds={"adult": (4, 1)})
    ds = run([full_near, open_far, open_mid])
    assert names(ds) == ["F3", "F2", "F1"]
    assert [d.rank for d in ds] == [1, 2, 3]
    assert [d.available for d in ds] == [1, 2, 0]
    assert ds[0].reasons[0] == "1 adult bed open"
    assert ds[1].reasons[0] == "2 adult beds open"
    assert ds[2].reasons[0] == "no adult beds open (0 of 6)"
    assert ds[0].eta_seconds is not None and ds[1].eta_seconds is not None
    assert ds[0].eta_seconds < ds[1].eta_seconds


def test_eta_and_geodesic_distance_from_the_incident() -> None:
    d = run([place(1, MID, beds={"adult": (4, 1)})])[0]
    assert d.distance_m == round(geodesic_m((CHURCH_ST.lat, CHURCH_ST.lon), MID))  # type: ignore[arg-type]
    assert 1_200 <= d.distance_m <= 1_400
    assert d.eta_seconds == round(StraightLineRouter().eta_seconds((44.4781, -73.2124), MID))
    assert f"{round(d.eta_seconds / 60)} min away" in d.reasons


def test_a_stale_count_is_listed_flagged_and_said_never_hidden() -> None:
    stale = place(1, NEAR, beds={"adult": (6, 3)}, counted_h_ago=5)
    never = place(2, MID, beds={"adult": (6, 3)}, counted_h_ago=None)
    fresh = place(3, FAR, beds={"adult": (6, 3)}, counted_h_ago=0.25)
    ds = {d.name: d for d in run([stale, never, fresh])}
    assert len(ds) == 3
    assert ds["F1"].beds_stale and "count 5 h old — call ahead" in ds["F1"].reasons
    assert ds["F2"].beds_stale and "count never reported — call ahead" in ds["F2"].reasons
    assert not ds["F3"].beds_stale and "count 15 min old" in ds["F3"].reasons
    # A stale open bed keeps its place by ETA among the open beds.
    assert names(run([stale, never, fresh])) == ["F1", "F2", "F3"]


def test_staleness_boundary() -> None:
    assert not is_stale(NOW - timedelta(seconds=STALE_S), now=NOW, stale_after_s=STALE_S)
    assert is_stale(NOW - timedelta(seconds=STALE_S + 1), now=NOW, stale_after_s=STALE_S)
    assert is_stale(None, now=NOW, stale_after_s=STALE_S)


def test_a_youth_needs_a_facility_that_accepts_youth_and_a_youth_bed() -> None:
    adults_only = place(1, NEAR, beds={"adult": (6, 4)})
    youth_house = place(2, FAR, beds={"youth": (4, 1)}, youth=True)
    youth_ok_no_youth_beds = place(3, MID, beds={"adult": (5, 5)}, youth=True)
    young = replace(CHURCH_ST, youth=True)
    ds = run([adults_only, youth_house, youth_ok_no_youth_beds], young)
    assert names(ds) == ["F2"]
    assert ds[0].bed_type == "youth" and ds[0].available == 1
    assert ds[0].reasons[0] == "1 youth bed open"
    assert "accepts youth" in ds[0].reasons
    # An adult is not sent to the youth house (it has no adult beds).
    assert names(run([adults_only, youth_house, youth_ok_no_youth_beds])) == ["F1", "F3"]


def test_a_facility_that_counts_no_beds_is_the_last_resort_not_hidden() -> None:
    ed = place(1, NEAR, beds={}, counted_h_ago=None, name="Emergency")
    ds = run([ed, place(2, FAR, beds={"adult": (3, 1)})])
    assert names(ds) == ["F2", "Emergency"]
    assert ds[1].reasons[0] == "no bed count — call ahead"
    assert ds[1].available == 0 and ds[1].beds_stale


def test_an_involuntary_hold_needs_a_facility_that_takes_holds() -> None:
    voluntary = place(1, NEAR, beds={"adult": (6, 4)}, involuntary=False)
    holds = place(2, FAR, beds={"adult": (6, 1)}, involuntary=True)
    held = replace(CHURCH_ST, involuntary=True)
    ds = run([voluntary, holds], held)
    assert names(ds) == ["F2"] and "takes involuntary holds" in ds[0].reasons
    # Unknown: both listed, and each says whether it takes holds.
    unknown = {d.name: d for d in run([voluntary, holds])}
    assert "voluntary only" in unknown["F1"].reasons
    assert "takes involuntary holds" in unknown["F2"].reasons
    # A voluntary transport leaves out nothing and does not speak of holds.
    for d in run([voluntary, holds], replace(CHURCH_ST, involuntary=False)):
        assert not any("involuntary" in r or "voluntary only" in r for r in d.reasons)


def test_walk_in_is_said_not_filtered() -> None:
    by_referral = place(1, NEAR, beds={"adult": (2, 1)}, walk_in=False)
    d = run([by_referral])[0]
    assert "no walk-ins — call ahead first" in d.reasons
    assert d.accepts == {"youth": False, "involuntary": False, "walk_in": False}
    assert "takes walk-ins" in run([place(2, NEAR, beds={"adult": (2, 1)})])[0].reasons


def test_a_bed_type_asked_for_on_scene() -> None:
    detox = place(1, FAR, beds={"detox": (10, 2)})
    crisis = place(2, NEAR, beds={"adult": (6, 3), "observation": (8, 0)})
    ds = run([detox, crisis], replace(CHURCH_ST, bed_type="detox"))
    assert names(ds) == ["F1"] and ds[0].reasons[0] == "2 detox beds open"
    obs = run([detox, crisis], replace(CHURCH_ST, bed_type="observation"))
    assert names(obs) == ["F2"] and obs[0].reasons[0] == "no observation beds open (0 of 8)"


def test_an_incident_with_no_location_still_gets_its_list_by_name() -> None:
    nowhere = Person(None, None)
    ds = run(
        [
            place(1, NEAR, beds={"adult": (6, 0)}, name="Zed"),
            place(2, FAR, beds={"adult": (6, 2)}, name="beta"),
            place(3, MID, beds={"adult": (6, 1)}, name="Alpha"),
        ],
        nowhere,
    )
    assert names(ds) == ["Alpha", "beta", "Zed"]
    for d in ds:
        assert d.eta_seconds is None and d.distance_m is None
        assert "no ETA: the incident has no location" in d.reasons


class TableRouter:
    """A router answering fixed road times per destination (None: no route)."""

    def __init__(self, seconds: dict[LatLon, float | None], fail: bool = False) -> None:
        self.seconds, self.fail, self.calls = seconds, fail, 0

    def table(self, origins: Sequence[LatLon], destinations: Sequence[LatLon]) -> list[list[float | None]]:
        self.calls += 1
        if self.fail:
            raise OSError("router down")
        return [[self.seconds.get(d) for d in destinations] for _ in origins]


def test_the_router_retimes_the_first_ones_and_may_reorder_them() -> None:
    a = place(1, NEAR, beds={"adult": (6, 1)})
    b = place(2, MID, beds={"adult": (6, 1)})
    router = TableRouter({NEAR: 900.0, MID: 300.0})  # a river between: NEAR is slower by road
    ds = run([a, b], router=router)
    assert router.calls == 1
    assert names(ds) == ["F2", "F1"]
    assert [d.eta_seconds for d in ds] == [300, 900]
    assert all(d.eta_by_road for d in ds)
    assert "15 min away" in ds[1].reasons


def test_a_failing_router_keeps_the_estimates_and_no_route_is_said() -> None:
    a = place(1, NEAR, beds={"adult": (6, 1)})
    ds = run([a], router=TableRouter({}, fail=True))
    assert ds[0].eta_seconds == round(StraightLineRouter().eta_seconds((44.4781, -73.2124), NEAR))
    assert not ds[0].eta_by_road
    no_route = run([a], router=TableRouter({NEAR: None}))[0]
    assert "no road route found" in no_route.reasons and not no_route.eta_by_road


@pytest.mark.parametrize("youth", [None, False])
def test_an_unknown_or_adult_age_needs_an_adult_bed(youth: bool | None) -> None:
    person = replace(CHURCH_ST, youth=youth)
    assert person.needed_bed_type == "adult"
    assert accepts(person, place(1, NEAR, beds={"adult": (1, 0)}))
    assert not accepts(person, place(2, NEAR, beds={"youth": (1, 1)}, youth=True))
    assert not any("accepts youth" in r for r in run([place(3, NEAR, beds={"adult": (1, 1)})], person)[0].reasons)


def test_reasons_read_in_order_beds_count_accepts_eta() -> None:
    d = run([place(1, MID, beds={"youth": (3, 2)}, youth=True, counted_h_ago=5)], replace(CHURCH_ST, youth=True))[0]
    assert d.reasons[0] == "2 youth beds open"
    assert d.reasons[1] == "count 5 h old — call ahead"
    assert d.reasons[2] == "accepts youth"
    assert d.reasons[-1].endswith("min away")


def test_an_adult_takes_the_observation_chairs_where_there_are_no_adult_beds() -> None:
    chairs_only = place(1, NEAR, beds={"observation": (12, 5)}, name="23-hour centre")
    detox_only = place(2, MID, beds={"detox": (8, 2)}, name="Detox")
    both = place(3, FAR, beds={"adult": (4, 0), "observation": (6, 6)}, name="Both")
    ds = {d.name: d for d in run([chairs_only, detox_only, both])}
    assert (
        ds["23-hour centre"].bed_type == "observation" and ds["23-hour centre"].reasons[0] == "5 observation beds open"
    )
    assert ds["Detox"].bed_type == "detox"
    # A facility with adult beds is ranked on them, open or not (its chairs are for another need).
    assert ds["Both"].bed_type == "adult" and ds["Both"].available == 0
    assert names(run([chairs_only, detox_only, both])) == ["23-hour centre", "Detox", "Both"]
    # A youth never lands on adult chairs.
    assert run([chairs_only, detox_only, both], replace(CHURCH_ST, youth=True)) == []
