"""What a client of the contract notices: every list takes `limit`, unknown query names are refused,
ids in paths have bounds, and the OpenAPI description describes every answer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.factories import make_unit

# Every list of the API, as a user allowed to read it (CONTRACT "Lists (amended)").
LISTS = [
    ("/api/v1/units", "dispatcher"),
    ("/api/v1/incidents", "dispatcher"),
    ("/api/v1/calls", "operator"),
    ("/api/v1/alerts", "dispatcher"),
    ("/api/v1/followups", "operator"),
    ("/api/v1/audit", "admin"),
    ("/api/v1/users", "admin"),
    ("/api/v1/triage/questionnaires", "operator"),
    ("/api/v1/languages", "field"),
    ("/api/v1/facilities", "field"),
    ("/api/v1/incidents/{incident}/messages", "dispatcher"),
    ("/api/v1/incidents/{incident}/notes", "dispatcher"),
    ("/api/v1/incidents/{incident}/timeline", "dispatcher"),
    ("/api/v1/reports/daily?from=2026-11-10&to=2026-11-11", "supervisor"),
]


def _incident(api: Any) -> int:
    operator = api.as_role("operator")
    answer = operator.post(
        "/api/v1/calls",
        json={
            "caller": {"phone": "+18025550100"},
            "location": {"lat": 44.48, "lon": -73.21},
            "answers": {"cssrs_1": "yes", "cssrs_2": "no", "weapon_present": "no"},
        },
    )
    assert answer.status_code == 201, answer.get_json()
    incident_id = answer.get_json()["incident_id"]
    assert incident_id is not None
    return int(incident_id)


@pytest.mark.parametrize(("path", "role"), LISTS)
def test_every_list_takes_limit_up_to_500(api, path, role):
    path = path.format(incident=_incident(api))
    path += "&" if "?" in path else "?"
    user = api.as_role(role)
    for limit in ("1", "50", "500"):
        answer = user.get(f"{path}limit={limit}")
        assert answer.status_code == 200, (limit, answer.get_json())
        assert isinstance(answer.get_json(), list)
        assert len(answer.get_json()) <= int(limit)
    for limit in ("0", "501", "-1", "many"):
        answer = user.get(f"{path}limit={limit}")
        assert answer.status_code == 422, limit
        assert "limit" in answer.get_json()["error"]["fields"]


@pytest.mark.parametrize(("path", "role"), LISTS)
def test_an_undocumented_query_parameter_is_refused_with_fields(api, path, role):
    path = path.format(incident=_incident(api))
    answer = api.as_role(role).get(f"{path}{'&' if '?' in path else '?'}colour=red")
    assert answer.status_code == 422
    body = answer.get_json()["error"]
    assert body["code"] == "validation_failed" and "colour" in body["fields"]


def test_limit_cuts_the_units_list(app, api):
    for _ in range(3):
        make_unit(app)
    dispatcher = api.as_role("dispatcher")
    assert len(dispatcher.get("/api/v1/units").get_json()) >= 3
    assert len(dispatcher.get("/api/v1/units?limit=2").get_json()) == 2
    assert len(dispatcher.get("/api/v1/units?limit=2&status=available").get_json()) == 2


def test_limit_cuts_the_incident_list(api):
    for _ in range(3):
        _incident(api)
    answer = api.as_role("dispatcher").get("/api/v1/incidents?limit=2")
    assert len(answer.get_json()) == 2


@pytest.mark.parametrize("unit_id", ["0", "2147483648", "99999999999999999999"])
def test_an_id_out_of_range_is_not_found_with_the_error_body(api, unit_id):
    dispatcher = api.as_role("dispatcher")
    for path in (f"/api/v1/units/{unit_id}", f"/api/v1/incidents/{unit_id}", f"/api/v1/calls/{unit_id}"):
        answer = dispatcher.get(path)
        assert answer.status_code == 404, path
        assert answer.get_json()["error"]["code"] == "not_found"


def test_the_largest_id_is_simply_not_found(api):
    answer = api.as_role("dispatcher").get("/api/v1/incidents/2147483647")
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "not_found"


def test_assigning_a_unit_id_out_of_range_is_refused(api):
    incident_id = _incident(api)
    answer = api.as_role("dispatcher").post(f"/api/v1/incidents/{incident_id}/assign", json={"unit_id": 2**40})
    assert answer.status_code == 422
    assert "unit_id" in answer.get_json()["error"]["fields"]


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_openapi_describes_every_answer_and_the_error_body(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    operations = [(path, method, op) for path, item in doc["paths"].items() for method, op in item.items()]
    assert len(operations) >= 25
    for path, method, op in operations:
        success = [code for code in op["responses"] if code.startswith("2")]
        assert success, f"{method} {path}"
        for code in success:
            content = op["responses"][code]["content"]
            if "application/json" not in content:  # a file (text/csv): a string body
                assert [media["schema"] for media in content.values()] == [{"type": "string"}], f"{method} {path}"
                continue
            schema = _resolve(doc, content["application/json"]["schema"])
            assert schema.get("type") in {"object", "array"}, f"{method} {path} {code}: {schema}"
            if schema["type"] == "array":
                items = _resolve(doc, schema["items"])
                for variant in items.get("oneOf", [items]):
                    assert _resolve(doc, variant).get("properties"), f"{method} {path}"
        error = _resolve(doc, op["responses"]["4XX"]["content"]["application/json"]["schema"])
        assert error["required"] == ["error"]
        detail = _resolve(doc, error["properties"]["error"])
        assert set(detail["required"]) == {"code", "message"}


def test_openapi_shows_the_incident_shape_of_the_contract(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/api/v1/incidents/{incident_id}"]["get"]
    incident = _resolve(doc, op["responses"]["200"]["content"]["application/json"]["schema"])
    assert {"id", "number", "call_id", "status", "priority", "location", "needs", "flags", "unit_id"} <= set(
        incident["required"]
    )
    timestamps = _resolve(doc, incident["properties"]["timestamps"])
    created = timestamps["properties"]["created_at"]["anyOf"][0]
    assert created == {"type": "string", "format": "date-time"}


def test_openapi_path_ids_carry_their_bounds(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    ids = [
        parameter
        for item in doc["paths"].values()
        for op in item.values()
        for parameter in op["parameters"]
        if parameter["in"] == "path"
    ]
    assert len(ids) >= 10
    for parameter in ids:
        assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 2147483647}, parameter


def test_openapi_lists_document_limit(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    lists = 0
    for path, item in doc["paths"].items():
        for method, op in item.items():
            ok = op["responses"].get("200")
            if (
                ok is None
                or "application/json" not in ok["content"]
                or _resolve(doc, ok["content"]["application/json"]["schema"]).get("type") != "array"
            ):
                continue
            lists += 1
            limit = {p["name"]: p for p in op["parameters"]}.get("limit")
            assert limit is not None, f"{method} {path}"
            assert limit["schema"]["minimum"] == 1 and limit["schema"]["maximum"] == 500
            assert limit["schema"]["default"] == 50
    assert lists == len(LISTS)


def test_answers_keep_times_with_their_offset(api):
    incident_id = _incident(api)
    body = api.as_role("dispatcher").get(f"/api/v1/incidents/{incident_id}").get_json()
    assert body["timestamps"]["created_at"].endswith("+00:00")
    assert body["timestamps"]["dispatched_at"] is None


CALL = {
    "answers": {"cssrs_1": "yes", "cssrs_2": "no", "weapon_present": "no"},
    "location": {"lat": 44.48, "lon": -73.21},
}


def test_a_nul_character_in_a_body_is_refused_by_name(api):
    operator = api.as_role("operator")
    answer = operator.post("/api/v1/calls", json={**CALL, "narrative": "a\u0000b", "caller": {"name": "\u0000"}})
    assert answer.status_code == 422
    assert set(answer.get_json()["error"]["fields"]) == {"narrative", "caller.name"}
    assert operator.get("/api/v1/calls").get_json() == []  # nothing was saved


def test_a_nul_character_at_sign_in_is_refused_not_a_server_error(client):
    answer = client.post("/api/v1/auth/login", json={"username": "dispatch\u0000", "password": "x"})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"] == {"username": "must not contain NUL characters"}


def test_a_nul_character_in_a_query_is_refused_by_name(api):
    answer = api.as_role("admin").get("/api/v1/audit?record_type=call%00")
    assert answer.status_code == 422
    assert "record_type" in answer.get_json()["error"]["fields"]


def test_an_idempotency_key_longer_than_kept_is_refused(api):
    operator = api.as_role("operator")
    answer = operator.post("/api/v1/calls", json=CALL, headers={"Idempotency-Key": "k" * 101})
    assert answer.status_code == 422
    assert "Idempotency-Key" in answer.get_json()["error"]["fields"]
    kept = operator.post("/api/v1/calls", json=CALL, headers={"Idempotency-Key": "k" * 100})
    again = operator.post("/api/v1/calls", json=CALL, headers={"Idempotency-Key": "k" * 100})
    assert (kept.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == kept.get_json()["id"]


def test_openapi_documents_the_idempotency_key(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    parameters = doc["paths"]["/api/v1/calls"]["post"]["parameters"]
    header = next(p for p in parameters if p["in"] == "header")
    assert header["name"] == "Idempotency-Key" and header["schema"]["anyOf"][0]["maxLength"] == 100


def test_the_sign_in_page_refuses_a_nul_in_the_name(app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    page = client.post("/login", data={"username": "dispatch\u0000", "password": "x"})
    assert page.status_code == 422 and b"username" in page.data  # refused by core.text, not looked up
