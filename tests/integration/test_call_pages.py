"""The call search page and the page of one call, server side: who may open them (every route,
every role), what they carry, and the follow-up queue's call numbers and callback numbers."""

from __future__ import annotations

from typing import Any

import pytest

from core.models import AuditEntry
from core.roles import ROLES, STAFF
from tests.support.factories import make_unit, signed_in_client
from tests.support.triage_factories import call_body

PAGES = ("/calls", "/calls/{call_id}")
# Every role that is not staff (field today; facility users when that role comes) is refused.
NOT_STAFF = sorted(set(ROLES) - set(STAFF))


def sign_in(app: Any, *roles: str) -> Any:
    return signed_in_client(app, *roles)


def logged_call(api: Any, **fields: Any) -> dict[str, Any]:
    answer = api.as_role("operator").post("/api/v1/calls", json=call_body(**fields))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


@pytest.mark.parametrize("role", sorted(STAFF))
def test_staff_open_the_search_and_a_call(app, api, role):
    call = logged_call(api)
    client = sign_in(app, role)
    search = client.get("/calls")
    assert search.status_code == 200
    html = search.get_data(as_text=True)
    for field in ('name="q"', 'name="phone"', 'name="from"', 'name="to"', 'name="risk_level"', 'name="disposition"'):
        assert field in html, field
    assert 'method="get"' in html and "/static/triage/calls.js" in html
    page = client.get(f"/calls/{call['id']}")
    assert page.status_code == 200
    assert f'data-call-id="{call["id"]}"' in page.get_data(as_text=True)
    assert "/static/triage/call.js" in page.get_data(as_text=True)


@pytest.mark.parametrize("role", NOT_STAFF)
@pytest.mark.parametrize("path", PAGES)
def test_field_users_never_see_the_call_pages(app, api, role, path):
    call = logged_call(api)
    answer = sign_in(app, role).get(path.format(call_id=call["id"]))
    assert answer.status_code == 403
    assert call["number"] not in answer.get_data(as_text=True)


@pytest.mark.parametrize("path", PAGES)
def test_a_visitor_is_sent_to_sign_in(app, api, path):
    call = logged_call(api)
    answer = app.test_client().get(path.format(call_id=call["id"]))
    assert answer.status_code == 302
    assert "/login" in answer.headers["Location"]


def test_an_unknown_call_is_a_page_that_says_so(app):
    answer = sign_in(app, "dispatcher").get("/calls/999999")
    assert answer.status_code == 404
    assert "no call with this number" in answer.get_data(as_text=True)


def test_the_search_form_keeps_the_query_of_its_address_and_escapes_it(app):
    client = sign_in(app, "supervisor")
    html = client.get(
        "/calls", query_string={"phone": "(802) 555-0100", "q": '"><script>x</script>', "risk_level": "high"}
    ).get_data(as_text=True)
    assert 'value="(802) 555-0100"' in html
    assert "<script>x</script>" not in html
    assert 'value="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"' in html
    assert '<option value="high" selected>' in html


def test_the_page_shell_shows_nothing_of_the_call_and_the_api_audits_the_view(app, api):
    call = logged_call(api, narrative="talked about the bridge")
    client = sign_in(app, "operator")
    html = client.get(f"/calls/{call['id']}").get_data(as_text=True)
    assert "talked about the bridge" not in html and "+18025550100" not in html
    with app.app_context():
        from core.extensions import db

        before = (
            db.session.query(AuditEntry).filter_by(record_type="call", action="view", record_id=str(call["id"])).count()
        )
    assert client.get(f"/api/v1/calls/{call['id']}").status_code == 200
    with app.app_context():
        after = (
            db.session.query(AuditEntry).filter_by(record_type="call", action="view", record_id=str(call["id"])).count()
        )
    assert after == before + 1


@pytest.mark.parametrize("role", ["operator", "dispatcher", "supervisor"])
def test_the_home_page_and_the_top_bar_link_to_the_search(app, role):
    html = sign_in(app, role).get("/").get_data(as_text=True)
    assert 'href="/calls"' in html
    assert ">Find a call<" in html


def test_a_field_user_is_not_linked_to_the_search(app):
    client = signed_in_client(app, "field", unit_id=make_unit(app))
    assert 'href="/calls"' not in client.get("/").get_data(as_text=True)


def test_the_scripts_and_styles_are_served(app):
    client = sign_in(app, "operator")
    for path in (
        "/static/triage/calls.js",
        "/static/triage/call.js",
        "/static/triage/call_links.js",
        "/static/triage/calls.css",
    ):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.get_data()
        answer.close()


# --- the follow-up queue names the call and the number to call back ---------------------------


def test_a_followup_carries_the_call_number_and_the_callback_number(app, api):
    call = logged_call(api)  # resolved by phone: a follow-up is owed
    operator = api.as_role("operator")
    due = [f for f in operator.get("/api/v1/followups?state=due").get_json() if f["call_id"] == call["id"]]
    assert len(due) == 1
    assert due[0]["call_number"] == call["number"]
    assert due[0]["caller_phone"] == "+18025550100"
    recorded = operator.post(f"/api/v1/followups/{due[0]['id']}/attempts", json={"outcome": "no_answer"})
    assert recorded.status_code == 201
    assert recorded.get_json()["call_number"] == call["number"]


def test_the_followups_of_one_call(app, api):
    first = logged_call(api)
    second = logged_call(api)
    operator = api.as_role("dispatcher")
    mine = operator.get(f"/api/v1/followups?state=all&call_id={first['id']}").get_json()
    assert [f["call_id"] for f in mine] == [first["id"]]
    assert second["id"] not in {f["call_id"] for f in mine}
    refused = operator.get("/api/v1/followups?call_id=first")
    assert refused.status_code == 422
    assert "call_id" in refused.get_json()["error"]["fields"]


def test_the_followup_queue_has_a_callback_column(app):
    html = sign_in(app, "operator").get("/operator").get_data(as_text=True)
    assert '<th scope="col">Callback</th>' in html
