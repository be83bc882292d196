"""Answer sets and call bodies for triage tests (default questionnaire: C-SSRS recent + safety screen)."""

from __future__ import annotations

from typing import Any

SAFETY_NO = {
    "medical_emergency": "no",
    "attempt_in_progress": "no",
    "weapon_present": "no",
    "violence_now": "no",
    "violence_history": "no",
    "needs_in_person": "no",
    "youth": "no",
}


def answers(**given: str) -> dict[str, str]:
    """A complete screening with every answer "no", changed by `given`; branch questions are
    left out unless given (they are asked only when their branch is open)."""
    base = {"cssrs_1": "no", "cssrs_2": "no", "cssrs_6": "no", **SAFETY_NO}
    base.update(given)
    return base


# Resolved by phone: low risk, nothing needs a team.
PHONE = answers(cssrs_1="yes")
# High risk: mobile team, emergent.
HIGH = answers(cssrs_1="yes", cssrs_2="yes", cssrs_3="yes", cssrs_4="yes", cssrs_5="no")
# Weapon present, no intent: co-response.
CO_RESPONSE = answers(weapon_present="yes", weapon_intent="no")
MEDICAL_911 = answers(medical_emergency="yes")
POLICE_911 = answers(violence_now="yes")


def call_body(answer_set: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "caller": {"phone": "+18025550100", "name": "Sam", "relation": "friend"},
        "location": {"address": "nowhere street 999, atlantis"},
        "answers": dict(PHONE if answer_set is None else answer_set),
    }
    body.update(fields)
    return body
