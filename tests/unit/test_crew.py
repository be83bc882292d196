"""Who rides with a unit, and when its staffing is flagged (dispatch/crew.py; no app, no database)."""

from __future__ import annotations

import pytest

from dispatch.crew import (
    CREW_ROLES,
    CrewInvalid,
    CrewPerson,
    clean_crew,
    crew_words,
    role_label,
    staffing_flags,
    staffing_reason,
)


def flags(*roles: str, status: str = "available") -> list[str]:
    return staffing_flags(status=status, roles=list(roles))


def test_a_clinician_and_a_peer_specialist_are_a_full_team():
    assert flags("clinician", "peer_specialist") == []
    assert flags("peer_specialist", "clinician", "trainee") == []


def test_one_person_alone_is_too_few_and_without_a_clinician_says_so_too():
    assert flags("clinician") == ["fewer than two staff"]
    assert flags("peer_specialist") == ["fewer than two staff", "no clinician"]


def test_two_people_without_a_clinician_are_flagged_for_the_clinician_only():
    assert flags("peer_specialist", "nurse") == ["no clinician"]
    assert flags("emt", "case_manager") == ["no clinician"]


def test_a_trainee_rides_along_but_does_not_make_the_second_person():
    assert flags("clinician", "trainee") == ["fewer than two staff"]


def test_a_unit_with_nobody_recorded_says_so_in_one_flag():
    assert flags() == ["no crew recorded"]


@pytest.mark.parametrize("status", ["off_duty", "out_of_service"])
def test_a_unit_that_is_not_on_duty_is_never_flagged(status):
    assert flags(status=status) == []
    assert flags("peer_specialist", status=status) == []


@pytest.mark.parametrize("status", ["dispatched", "en_route", "on_scene", "staging", "transporting", "clearing"])
def test_a_unit_on_a_call_is_on_duty_and_flagged(status):
    assert flags("peer_specialist", status=status) == ["fewer than two staff", "no clinician"]


def test_the_recommendation_line_names_the_crew_size_and_what_is_short():
    assert staffing_reason(status="available", roles=["peer_specialist"]) == (
        "crew: 1 (fewer than two staff, no clinician)"
    )
    assert staffing_reason(status="available", roles=["nurse", "emt"]) == "crew: 2 (no clinician)"
    assert staffing_reason(status="available", roles=[]) == "crew: not recorded"
    assert staffing_reason(status="available", roles=["clinician", "peer_specialist"]) is None


def test_names_are_trimmed_and_spaces_inside_collapsed():
    crew = clean_crew([("  Dana   Reyes ", "clinician", None), ("Sam\tOrtiz", "peer_specialist", 7)])
    assert crew == [CrewPerson("Dana Reyes", "clinician"), CrewPerson("Sam Ortiz", "peer_specialist", 7)]


def test_an_empty_list_is_a_valid_crew_of_nobody():
    assert clean_crew([]) == []


def test_every_wrong_field_is_named():
    with pytest.raises(CrewInvalid) as raised:
        clean_crew([("   ", "clinician", None), ("Sam", "driver", None), ("x" * 81, "nurse", None)])
    fields = raised.value.fields
    assert fields["crew.0.name"] == "required"
    assert fields["crew.1.role"].startswith("unknown role 'driver': one of clinician, peer_specialist")
    assert fields["crew.2.name"] == "at most 80 characters"
    assert "crew.0.role" not in fields and "crew.2.role" not in fields


def test_eighty_characters_are_enough_for_a_name():
    assert clean_crew([("x" * 80, "clinician", None)])[0].name == "x" * 80


def test_the_same_person_twice_is_refused_whatever_the_case():
    with pytest.raises(CrewInvalid) as raised:
        clean_crew([("Dana Reyes", "clinician", None), ("dana reyes", "peer_specialist", None)])
    assert raised.value.fields == {"crew.1.name": "listed twice (also person 1)"}


def test_at_most_six_people():
    assert len(clean_crew([(f"P{n}", "other", None) for n in range(6)])) == 6
    with pytest.raises(CrewInvalid) as raised:
        clean_crew([(f"P{n}", "other", None) for n in range(7)])
    assert raised.value.fields == {"crew": "at most 6 people"}


def test_roles_read_in_plain_words():
    assert role_label("peer_specialist") == "peer specialist"
    assert role_label("emt") == "EMT / medic"
    assert all("_" not in label for label in CREW_ROLES.values())
    assert crew_words([CrewPerson("Dana Reyes", "clinician"), CrewPerson("Sam Ortiz", "peer_specialist")]) == (
        "Dana Reyes (clinician), Sam Ortiz (peer specialist)"
    )
    assert crew_words([]) == "no crew recorded"


def test_a_short_crew_is_named_in_the_reasons_and_does_not_change_the_ranking():
    from datetime import UTC, datetime

    from dispatch.recommend import IncidentSite, UnitCandidate, recommend
    from geo.travel import StraightLineRouter

    now = datetime(2026, 3, 14, 22, 0, tzinfo=UTC)

    def candidate(unit_id: int, lat: float, staffing: str | None) -> UnitCandidate:
        return UnitCandidate(
            unit_id=unit_id, call_sign=f"M{unit_id}", status="available", lat=lat, lon=-73.2125,
            location_at=now, home_lat=44.44, home_lon=-73.21, staffing=staffing,
        )  # fmt: skip

    near_but_short = candidate(1, 44.4790, staffing_reason(status="available", roles=["peer_specialist"]))
    farther_full = candidate(2, 44.4900, None)
    ranked = recommend(
        incident=IncidentSite(44.4781, -73.2125),
        units=[farther_full, near_but_short],
        now=now,
        stale_after_s=900,
        router=StraightLineRouter(),
    )
    assert [r.unit_id for r in ranked] == [1, 2]
    assert "crew: 1 (fewer than two staff, no clinician)" in ranked[0].reasons
    assert not any(reason.startswith("crew:") for reason in ranked[1].reasons)
