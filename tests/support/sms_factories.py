"""Test helpers for SMS: assigned incidents, Twilio-signed webhook posts, and a Twilio that
answers through twilio-python's own HttpClient seam."""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from twilio.http import HttpClient
from twilio.http.response import Response

from core.actors import Actor
from core.extensions import db
from tests.support.dispatch_factories import NEAR, assign_with_app_ports, make_incident, make_placed_unit

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
FROM_NUMBER = "+18025550100"
_sids = itertools.count(1)


def assigned_incident(app: Any, *, phones: list[str] | None = None, **incident_fields: Any) -> tuple[int, int]:
    """A unit with these phones, assigned to a new incident (committed): (incident_id, unit_id)."""
    fields: dict[str, Any] = {}
    if phones is not None:
        fields["phones"] = phones
    unit_id = make_placed_unit(app, NEAR, **fields)
    incident_id = make_incident(app, **incident_fields)
    with app.app_context():
        assign_with_app_ports(incident_id=incident_id, unit_id=unit_id, reason="test", by=Actor.system("test"))
        db.session.commit()
    return incident_id, unit_id


def signed_post(client: Any, app: Any, path: str, form: dict[str, str], *, signature: str | None = None) -> Any:
    """POST a form the way Twilio does, signed for PUBLIC_BASE_URL + path."""
    from notifications.webhooks import sign, webhook_token

    url = app.config["PUBLIC_BASE_URL"].rstrip("/") + path
    headers = {"X-Twilio-Signature": signature if signature is not None else sign(url, form, webhook_token(app.config))}
    return client.post(path, data=form, headers=headers)


def inbound_form(from_number: str, body: str, *, sid: str | None = None) -> dict[str, str]:
    return {
        "MessageSid": sid or f"SM{next(_sids):032x}",
        "AccountSid": ACCOUNT_SID,
        "From": from_number,
        "To": FROM_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }


def twilio_error(status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    "status": status}  # fmt: skip


Answer = tuple[int, dict[str, Any]] | BaseException


class ScriptedTwilio(HttpClient):  # type: ignore[misc]
    """Twilio behind twilio-python's HttpClient seam. Each POST to Messages.json takes the next
    scripted answer (a (status, error body) pair or an exception to raise) and, when none is left
    or the answer is 201, creates a message the Messages list (GET) then shows."""

    def __init__(self, script: Iterable[Answer] = (), *, fail: Callable[[int], Answer | None] | None = None) -> None:
        super().__init__(logging.getLogger("tests.scripted_twilio"), is_async=False)
        self.script = list(script)
        self.fail = fail
        self.posts = 0
        self.created: list[dict[str, Any]] = []

    def request(self, method: str, uri: str, params: Any = None, data: Any = None, headers: Any = None,
                auth: Any = None, timeout: Any = None, allow_redirects: bool = False) -> Response:  # fmt: skip
        if method.upper() == "GET":
            to = (params or {}).get("To")
            found = [m for m in reversed(self.created) if to in (None, m["to"])]
            return Response(200, json.dumps({"messages": found, "next_page_uri": None, "page": 0, "page_size": 50}))
        self.posts += 1
        answer: Answer | None = self.script.pop(0) if self.script else None
        if answer is None and self.fail is not None:
            answer = self.fail(self.posts)
        if isinstance(answer, BaseException):
            raise answer
        if answer is not None and answer[0] != 201:
            return Response(answer[0], json.dumps(answer[1]))
        return Response(201, json.dumps(self.create(dict(data or {}))))

    def create(self, data: dict[str, Any]) -> dict[str, Any]:
        message = {
            "sid": f"SM{next(_sids):032x}",
            "status": "queued",
            "account_sid": ACCOUNT_SID,
            "to": data.get("To"),
            "from": data.get("From"),
            "body": data.get("Body"),
            "status_callback": data.get("StatusCallback"),
            "date_created": datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000"),
            "num_segments": "1",
            "error_code": None,
            "error_message": None,
        }
        self.created.append(message)
        return message


class Clock:
    """A clock a test moves by hand (core.clock.set_clock)."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)
