"""The sign-in rate limits, shared by the JSON and the HTML sign-in.

More than LOGIN_FAILURE_LIMIT failed sign-ins for one username in the window -> 429 until it has
passed; counted on failures only. A second, looser limit per address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app, request

from core.extensions import limiter


def login_username_key() -> str:
    name = ""
    if request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get("username"), str):
            name = body["username"]
    else:
        name = request.form.get("username", "")
    return "login:" + name.strip().lower()[:80]


def login_failed(response: Response) -> bool:
    return response.status_code == 401


def _failure_limit() -> str:
    return str(current_app.config["LOGIN_FAILURE_LIMIT"])


def login_limits() -> list[Callable[[Callable[..., Any]], Callable[..., Any]]]:
    return [
        limiter.shared_limit(
            _failure_limit, scope="login-username", key_func=login_username_key, deduct_when=login_failed
        ),
        limiter.shared_limit("60 per minute", scope="login-address"),
    ]
