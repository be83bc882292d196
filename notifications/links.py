"""Signed links to the field page: `/field/<token>`, the token naming one incident and one unit.

The link is the team's credential for that incident only. It is signed (itsdangerous, with the
app's SECRET_KEY and the salt "field-link") and carries `{"i": incident_id, "u": unit_id}`; keys
are short because the link travels in the SMS. Whether it still works is decided on every use
from the incident's state (see `notifications.pages.field_incident`), not from the token alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "field-link"
MAX_AGE_S = 7 * 24 * 3600  # an upper bound; the incident's state ends a link much sooner


@dataclass(frozen=True)
class FieldLink:
    incident_id: int
    unit_id: int


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def make_field_token(*, secret_key: str, incident_id: int, unit_id: int) -> str:
    return str(_serializer(secret_key).dumps({"i": int(incident_id), "u": int(unit_id)}))


def read_field_token(*, secret_key: str, token: str, max_age_s: int = MAX_AGE_S) -> FieldLink | None:
    """The incident and unit a token names, or None when it is forged, damaged or too old."""
    try:
        data = _serializer(secret_key).loads(token, max_age=max_age_s)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    incident_id, unit_id = data.get("i"), data.get("u")
    if not isinstance(incident_id, int) or not isinstance(unit_id, int):
        return None
    return FieldLink(incident_id=incident_id, unit_id=unit_id)


def field_url(*, public_base_url: str, token: str) -> str:
    return f"{public_base_url.rstrip('/')}/field/{token}"
