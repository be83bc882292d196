"""Calls to find: two calls logged through the API, one by phone from (802) 555-0100, one high-risk."""

from __future__ import annotations

from typing import Any

from tests.support.factories import Api
from tests.support.triage_factories import HIGH, PHONE, call_body

LAPTOP = {"width": 1366, "height": 768}
PHONE_SCREEN = {"width": 390, "height": 844}


def log_calls(app: Any) -> dict[str, dict[str, Any]]:
    """{"wanted": a low-risk call resolved by phone, callback +18025550100, at 12 Pearl Street;
    "other": a high-risk call from another number} — each the API's answer to POST /api/v1/calls."""
    operator = Api(app).as_role("operator")
    bodies = {
        "wanted": call_body(
            PHONE,
            caller={"phone": "+18025550100", "name": "Robin", "relation": "self"},
            location={"address": "12 Pearl Street, Burlington"},
            narrative="Called about losing housing; talked it through, safe for tonight.",
        ),
        "other": call_body(HIGH, caller={"phone": "+18025550177", "name": "Kim", "relation": "friend"}),
    }
    saved = {}
    for name, body in bodies.items():
        answer = operator.post("/api/v1/calls", json=body)
        assert answer.status_code == 201, answer.get_json()
        saved[name] = answer.get_json()
    return saved
