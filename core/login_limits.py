"""The sign-in rate limits, shared by the JSON and the HTML sign-in.

More than LOGIN_FAILURE_LIMIT failed sign-ins for one username in the window -> 429 until it has
passed; counted on failures only, and only for a sign-in that names a user: a page load, or an
attempt with a blank or missing username (refused 400/422 before any check), is never counted
against anyone, so no one can lock a name they do not type. A second, looser limit per address
counts every sign-in request from it, named or not.

The username is read from the body the way the views read it (`login_username`), whatever the
Content-Type says: a JSON body sent without one is parsed by the API as JSON, so it is counted as
JSON here too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, request

from core.api import json_too_deep
from core.extensions import limiter

USERNAME_KEY_LENGTH = 80


def login_username() -> str:
    """The username a sign-in request names, stripped and lower-cased; "" when it names none."""
    if request.method != "POST":
        return ""
    mimetype = request.mimetype or ""
    name: Any = None
    if mimetype == "application/x-www-form-urlencoded" or mimetype == "multipart/form-data":
        name = request.form.get("username")
    elif not mimetype or mimetype == "application/json" or mimetype.endswith("+json"):
        raw = request.get_data(cache=True)
        try:
            # A body nested too deep is refused by the API (400) and names no one here: the
            # decoder would recurse until RecursionError, which the limiter only logs.
            body = None if json_too_deep(raw) else json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            body = None
        if isinstance(body, dict):
            name = body.get("username")
    if not isinstance(name, str):
        return ""
    return name.strip().lower()[:USERNAME_KEY_LENGTH]


def login_username_key() -> str:
    return "login:" + login_username()


def names_no_user() -> bool:
    """Exempt from the per-username limit: page loads and sign-ins without a username."""
    return not login_username()


def login_failed(response: Response) -> bool:
    return response.status_code == 401


def _failure_limit() -> str:
    return str(current_app.config["LOGIN_FAILURE_LIMIT"])


def login_limits() -> list[Callable[[Callable[..., Any]], Callable[..., Any]]]:
    return [
        limiter.shared_limit(
            _failure_limit,
            scope="login-username",
            key_func=login_username_key,
            exempt_when=names_no_user,
            deduct_when=login_failed,
        ),
        limiter.shared_limit("60 per minute", scope="login-address"),
    ]
