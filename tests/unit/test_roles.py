"""Who may do what, and whose records each user sees (core/roles.py), against hand-written tables."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core import roles


@dataclass
class Person:
    held: set[str]
    unit_id: int | None = None
    facility_id: int | None = None

    def has_any_role(self, wanted: frozenset[str] | set[str] | tuple[str, ...]) -> bool:
        return any(role in wanted for role in self.held)


@dataclass
class Incident:
    unit_id: int | None


def test_the_roles_are_those_of_the_contract_in_its_order():
    assert roles.ROLES == ("operator", "dispatcher", "supervisor", "field", "admin", "facility")


# group -> the roles that open it (CONTRACT.md "Sign-in and roles" and the routes).
GROUPS = {
    "EVERYONE": {"operator", "dispatcher", "supervisor", "field", "admin"},
    "STAFF": {"operator", "dispatcher", "supervisor", "admin"},
    "DISPATCHERS": {"dispatcher", "supervisor", "admin"},
    "INCIDENT_MOVERS": {"dispatcher", "supervisor", "admin", "field"},
    "UNIT_COMMANDERS": {"dispatcher", "admin"},
    "UNIT_REPORTERS": {"dispatcher", "admin", "field"},
    "INTAKE": {"operator", "admin"},
    "INTAKE_PAGE": {"operator", "admin", "dispatcher"},
    "AUDITORS": {"admin", "supervisor"},
    "ADMINS": {"admin"},
    "ANY_ROLE": {"operator", "dispatcher", "supervisor", "field", "admin", "facility"},
    "FACILITY_READERS": {"operator", "dispatcher", "supervisor", "field", "admin", "facility"},
    "BED_REPORTERS": {"dispatcher", "admin", "facility"},
}


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_each_group_holds_exactly_its_roles(name):
    assert set(getattr(roles, name)) == GROUPS[name]


# (roles held, unit) -> (sees every unit, the unit filter, sees nothing)
SCOPES = [
    ({"operator"}, None, True, None, False),
    ({"dispatcher"}, None, True, None, False),
    ({"supervisor"}, None, True, None, False),
    ({"admin"}, None, True, None, False),
    ({"field"}, 7, False, 7, False),
    ({"field"}, None, False, None, True),
    ({"field", "dispatcher"}, 7, True, None, False),  # staff wins: sees every unit
]


@pytest.mark.parametrize(("held", "unit", "everything", "unit_filter", "nothing"), SCOPES)
def test_staff_see_all_and_field_see_their_own_unit(held, unit, everything, unit_filter, nothing):
    scope = roles.unit_scope(Person(held, unit))
    assert (scope.everything, scope.unit_id, scope.nothing) == (everything, unit_filter, nothing)
    assert roles.visible_unit_id(Person(held, unit)) == unit_filter


@pytest.mark.parametrize(
    ("held", "unit", "incident_unit", "visible"),
    [
        ({"operator"}, None, None, True),  # a pending incident: staff see it
        ({"operator"}, None, 3, True),
        ({"field"}, 3, 3, True),
        ({"field"}, 3, 4, False),
        ({"field"}, 3, None, False),  # a pending incident belongs to no unit yet
        ({"field"}, None, None, False),  # no unit: not even incidents of no unit
    ],
)
def test_who_sees_an_incident(held, unit, incident_unit, visible):
    assert roles.can_see_incident(Person(held, unit), Incident(incident_unit)) is visible
    assert roles.can_see_unit(Person(held, unit), incident_unit) is visible


@pytest.mark.parametrize(
    ("held", "unit", "reports_for", "allowed"),
    [
        ({"dispatcher"}, None, 5, True),
        ({"admin"}, None, 5, True),
        ({"supervisor"}, None, 5, False),  # a supervisor watches, does not report for a unit
        ({"operator"}, None, 5, False),
        ({"field"}, 5, 5, True),
        ({"field"}, 5, 6, False),
        ({"field"}, None, 5, False),
    ],
)
def test_who_reports_for_a_unit(held, unit, reports_for, allowed):
    assert roles.may_report_for_unit(Person(held, unit), reports_for) is allowed


def test_a_facility_user_is_in_no_group_but_their_own():
    """A facility's staff reach facilities and beds only: every other group refuses them."""
    for name, members in GROUPS.items():
        if name not in ("ANY_ROLE", "FACILITY_READERS", "BED_REPORTERS"):
            assert "facility" not in members, name


@pytest.mark.parametrize(
    ("held", "facility", "everything", "facility_filter", "nothing"),
    [
        ({"dispatcher"}, None, True, None, False),
        ({"field"}, None, True, None, False),  # teams need every destination
        ({"facility"}, 4, False, 4, False),
        ({"facility"}, None, False, None, True),
        ({"facility", "supervisor"}, 4, True, None, False),  # staff wins
    ],
)
def test_who_sees_which_facilities(held, facility, everything, facility_filter, nothing):
    scope = roles.facility_scope(Person(held, facility_id=facility))
    assert (scope.everything, scope.facility_id, scope.nothing) == (everything, facility_filter, nothing)
    assert scope.covers(4) is (everything or facility == 4)
    assert scope.covers(5) is everything


@pytest.mark.parametrize(
    ("held", "facility", "reports_for", "allowed"),
    [
        ({"dispatcher"}, None, 4, True),
        ({"admin"}, None, 4, True),
        ({"supervisor"}, None, 4, False),
        ({"operator"}, None, 4, False),
        ({"field"}, None, 4, False),
        ({"facility"}, 4, 4, True),
        ({"facility"}, 4, 5, False),  # another facility's beds
        ({"facility"}, None, 4, False),
    ],
)
def test_who_reports_a_facilitys_beds(held, facility, reports_for, allowed):
    assert roles.may_report_beds(Person(held, facility_id=facility), reports_for) is allowed
