"""Schemathesis over the app's own OpenAPI description, as every role and as no one.

Every answer must be documented (status code and content type) and match its documented schema,
and no request, however odd, may be a server error. Each role fuzzes the operations its role may
use (the description's `x-roles`); a second, shorter pass sends every operation as every role and
as no one, where most answers are the documented 401 and 403. Seeded rows (units, incidents, a
call, an alert, a follow-up) replace half of the path ids of valid cases, so the requests by id reach
real rows and not only 404s; invalid cases keep theirs, which must be refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from alerts.service import raise_alert
from core.app import create_app
from core.extensions import db
from tests.support.dispatch_factories import make_call, make_incident
from tests.support.facility_factories import make_facility
from tests.support.factories import make_user
from tests.support.sms_factories import assigned_incident
from timers.models import Followup

ROLES = ["operator", "dispatcher", "supervisor", "field", "admin", "facility"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,  # input the description rules out is refused with a 4xx
    unsupported_method,  # a method the path does not document answers 405
]
# Bounded so that the module runs in about a minute per database on two cores.
EXAMPLES_ALLOWED = 10
EXAMPLES_REFUSED = 1
NOT_FUZZED = "/api/v1/auth/logout"  # it would revoke the token the rest of the run signs in with


def _document() -> dict[str, Any]:
    """The description as the app serves it (an app over an empty database is enough to build it)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True, "SECRET_KEY": "schema-only"})
    with app.test_client() as client:
        document: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    with app.app_context():
        db.engine.dispose()
    return document


DOCUMENT = _document()


def _operation_ids(role: str) -> list[str]:
    """The operations a role may use: those naming it in `x-roles`, and the public ones."""
    return [
        operation["operationId"]
        for item in DOCUMENT["paths"].values()
        for operation in item.values()
        if role in operation.get("x-roles", [role])
    ]


allowed_schema = schemathesis.openapi.from_dict(DOCUMENT).exclude(path=NOT_FUZZED)
# The refusals are one code path per operation: a generated case or two each, no coverage phase.
refused_schema = schemathesis.openapi.from_dict(
    DOCUMENT, config=schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
).exclude(path=NOT_FUZZED)


@pytest.fixture
def seeded(app: Any) -> dict[str, list[int]]:
    """An assigned incident (and its unit), a pending one with an open alert, a call resolved by
    phone with its follow-up, and a facility with beds."""
    assigned, unit_id = assigned_incident(app)
    facility_id = make_facility(app, beds={"adult": (2, 6), "youth": (0, 2)})
    pending = make_incident(app)
    phone_call = make_call(app, disposition="phone")
    with app.app_context():
        alert = raise_alert(
            session=db.session, kind="pending_sla", severity="warning", message="seeded", incident_id=pending
        )
        followup = Followup(
            call_id=phone_call, risk_level="moderate", started_at=alert.raised_at, due_at=alert.raised_at
        )
        db.session.add(followup)
        db.session.commit()
        return {
            "unit_id": [unit_id],
            "incident_id": [assigned, pending],
            "call_id": [phone_call],
            "alert_id": [alert.id],
            "followup_id": [followup.id],
            "facility_id": [facility_id],
        }


@pytest.fixture
def headers_for(app: Any, seeded: dict[str, list[int]]) -> Callable[[str | None], dict[str, str]]:
    """Bearer headers for one user per role (the field user rides with the seeded unit, the
    facility user works at the seeded facility)."""
    made: dict[str | None, dict[str, str]] = {None: {}}

    def headers(role: str | None) -> dict[str, str]:
        if role not in made:
            unit_id = seeded["unit_id"][0] if role == "field" else None
            facility_id = seeded["facility_id"][0] if role == "facility" else None
            _, token = make_user(app, role, unit_id=unit_id, facility_id=facility_id)
            made[role] = {"Authorization": f"Bearer {token}"}
        return made[role]

    return headers


def _call(case: Any, app: Any, seeded: dict[str, list[int]], headers: dict[str, str]) -> None:
    negative = case.meta is not None and case.meta.generation.mode is GenerationMode.NEGATIVE
    for name, value in {} if negative else (case.path_parameters or {}).items():
        if name in seeded and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = seeded[name][value // 2 % len(seeded[name])]
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)


FUZZING = settings(max_examples=EXAMPLES_ALLOWED, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def _as(role: str) -> Callable[..., None]:
    @pytest.mark.slow
    @allowed_schema.include(operation_id=_operation_ids(role)).parametrize()
    @FUZZING
    def test(case: Any, app: Any, seeded: dict[str, list[int]], headers_for: Callable[..., dict[str, str]]) -> None:
        _call(case, app, seeded, headers_for(role))

    test.__doc__ = f"Every operation a {role} may use answers as its description says."
    return test


test_as_operator = _as("operator")
test_as_dispatcher = _as("dispatcher")
test_as_supervisor = _as("supervisor")
test_as_field = _as("field")
test_as_admin = _as("admin")
test_as_facility = _as("facility")


@pytest.mark.slow
@pytest.mark.parametrize("role", [*ROLES, None], ids=lambda role: role or "no_one")
@refused_schema.parametrize()
@settings(
    max_examples=EXAMPLES_REFUSED,
    phases=[Phase.explicit, Phase.generate],
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation_as_every_role_and_no_one(
    case: Any, role: str | None, app: Any, seeded: dict[str, list[int]], headers_for: Callable[..., dict[str, str]]
) -> None:
    _call(case, app, seeded, headers_for(role))
