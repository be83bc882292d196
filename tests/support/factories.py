"""Factories for test data and a small JSON client that signs in with bearer tokens."""

from __future__ import annotations

import itertools
import re
from typing import Any

from core.auth import create_user, issue_token
from core.extensions import db

_names = itertools.count(1)


def make_user(
    app: Any, *roles: str, unit_id: int | None = None, password: str = "correct horse", facility_id: int | None = None
) -> tuple[Any, str]:
    """A user with these roles and a bearer token for them (`facility_id`: a facility user's)."""
    with app.app_context():
        user = create_user(
            session=db.session,
            username=f"user{next(_names)}",
            password=password,
            roles=roles or ("operator",),
            unit_id=unit_id,
            facility_id=facility_id,
        )
        token = issue_token(session=db.session, user=user, ttl_s=3600)
        db.session.commit()
        user_id, username = user.id, user.username
    return {"id": user_id, "username": username, "password": password}, token


def make_unit(app: Any, **fields: Any) -> int:
    from dispatch.models import Unit

    n = next(_names)
    values: dict[str, Any] = {
        "call_sign": f"T-{n}",
        "phones": [f"+1802555{n:04d}"],
        "languages": ["en"],
        "youth": False,
        "home_lat": 44.4757,
        "home_lon": -73.2195,
        "status": "available",
    }
    values.update(fields)
    with app.app_context():
        unit = Unit(**values)
        db.session.add(unit)
        db.session.commit()
        return int(unit.id)


class Api:
    """JSON requests against the test client, as a given user."""

    def __init__(self, app: Any):
        self.app = app
        self.client = app.test_client()

    def as_role(self, *roles: str, unit_id: int | None = None, facility_id: int | None = None) -> ApiAs:
        _, token = make_user(self.app, *roles, unit_id=unit_id, facility_id=facility_id)
        return ApiAs(self.client, token)


class ApiAs:
    def __init__(self, client: Any, token: str):
        self.client = client
        self.token = token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        headers.update(extra or {})
        return headers

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.post(path, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.patch(path, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.put(path, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs)


def signed_in_client(app: Any, *roles: str, unit_id: int | None = None, facility_id: int | None = None) -> Any:
    """A test client signed in through the /login form (a session cookie, as a browser has) as a
    new user with these roles."""
    user, _ = make_user(app, *roles, unit_id=unit_id, facility_id=facility_id)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token, "the sign-in form carries its CSRF token"
    answer = client.post(
        "/login", data={"username": user["username"], "password": user["password"], "csrf_token": token.group(1)}
    )
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:500]
    return client
