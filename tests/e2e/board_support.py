"""What the dispatch board's browser tests share: a call logged through the API, keystrokes
counted as they are pressed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests
from playwright.sync_api import Page

# A caller who needs a team in person (moderate risk, nothing that calls for police).
ANSWERS = {
    "cssrs_1": "yes",
    "cssrs_2": "yes",
    "cssrs_3": "yes",
    "cssrs_4": "no",
    "cssrs_5": "no",
    "cssrs_6": "no",
    "medical_emergency": "no",
    "attempt_in_progress": "no",
    "weapon_present": "no",
    "violence_now": "no",
    "violence_history": "no",
    "needs_in_person": "yes",
    "youth": "no",
    "language": "es",
}
CHURCH_ST = {"address": "135 Church St, Burlington, VT", "lat": 44.4781, "lon": -73.2125}


def log_call(base: str, token: str, location: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """POST /api/v1/calls as an operator; the call must open an incident."""
    body = {"location": location, "answers": {**ANSWERS, **fields.pop("answers", {})}, **fields}
    response = api(base, token, "POST", "/calls", json=body)
    assert response.status_code == 201, response.text
    call = response.json()
    assert call["incident_id"] is not None, call
    return call


def api(base: str, token: str, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.request(method, f"{base}/api/v1{path}", headers=headers, timeout=10, **kwargs)


def local_input(moment: datetime) -> str:
    """`moment` as a datetime-local input takes it (the browser's local time: the test's TZ)."""
    return moment.astimezone().strftime("%Y-%m-%dT%H:%M")


class Keys:
    """page.keyboard.press that counts: `keys.press("Enter")`, then `keys.count`."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.pressed: list[str] = []

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)
            self.pressed.append(key)

    @property
    def count(self) -> int:
        return len(self.pressed)
