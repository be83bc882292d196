"""One input-sanitising layer for text: control characters never reach the database.

No column type stores a NUL (PostgreSQL refuses it outright, so it answered 500), and no other C0
control character belongs in anything a person types, except tab, CR and LF in free text (a
narrative has lines). So they are refused, by field name, with a 422:

- in API bodies (`core.api.parse_body`; values are free text, names are not), queries and headers
  (`parse_query`, `parse_headers`; no line breaks there either);
- in the product's HTML forms (the field page, the SMS simulator, the sign-in page), by a
  `before_request` hook for every form post outside `/api/` and the Twilio webhooks.

Twilio's webhooks are the exception: a team's text cannot be sent again on request, so there the
control characters are stripped and the rest is kept (`strip_controls`, in notifications.webhooks).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, request

from core.errors import DomainError

NUL_REFUSED = "must not contain NUL characters"
CONTROL_REFUSED = "must not contain control characters"

_CONTROL = re.compile(r"[\x00-\x1f]")
_CONTROL_IN_FREE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# Twilio's webhooks strip instead of refusing (see the module's docstring).
WEBHOOK_PATHS = frozenset({"/sms/inbound", "/sms/status"})


def text_problem(text: str, *, free_text: bool) -> str | None:
    """What is wrong with one piece of text, or None."""
    if "\x00" in text:
        return NUL_REFUSED
    found = (_CONTROL_IN_FREE_TEXT if free_text else _CONTROL).search(text)
    return CONTROL_REFUSED if found else None


def refused_fields(data: Any, path: str = "", *, free_text: bool = True) -> dict[str, str]:
    """Where decoded input (strings, and dicts and lists of them) holds a refused character, by
    dotted field name. Names (dict keys) are never free text."""
    if isinstance(data, str):
        problem = text_problem(data, free_text=free_text)
        return {path or "body": problem} if problem else {}
    found: dict[str, str] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            problem = text_problem(str(key), free_text=False)
            if problem:
                found[name] = problem
            found.update(refused_fields(value, name, free_text=free_text))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.update(refused_fields(value, f"{path}.{index}" if path else str(index), free_text=free_text))
    return found


def strip_controls(text: str) -> str:
    """The text without control characters other than tab, CR and LF."""
    return _CONTROL_IN_FREE_TEXT.sub("", text)


def check_form() -> None:
    """Refuse a product form post whose fields hold control characters (422, naming the fields)."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.mimetype not in FORM_TYPES:
        return
    if request.path.startswith("/api/") or request.path in WEBHOOK_PATHS:
        return
    refused: dict[str, str] = {}
    for name, value in request.form.items(multi=True):
        problem = text_problem(name, free_text=False) or text_problem(value, free_text=True)
        if problem:
            refused[name] = problem
    if refused:
        names = ", ".join(sorted(refused))
        raise DomainError(
            f"Some fields hold characters that cannot be kept ({names}). Remove them and send again.",
            fields=refused,
            code="validation_failed",
        )


def init_app(app: Flask) -> None:
    app.before_request(check_form)
