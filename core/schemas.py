"""Response bodies shared by every package (the base read model, times, errors) and those of
sign-in and the audit trail.

A `…Read` model is what one `/api/v1` answer (or one live event's `data`) looks like. It is built
from the domain object (`from_attributes`), dumped with `model_dump(mode="json")` by the API's op
wrapper, and its JSON schema is the response schema in the OpenAPI description.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

# Ids in paths and bodies: PostgreSQL's `integer`, so an id beyond it is simply not found.
ID_MIN = 1
ID_MAX = 2_147_483_647


def _iso(value: datetime) -> str:
    return value.isoformat()


# ISO 8601 with the offset spelt out ("+00:00", as the API always wrote it; pydantic would write "Z").
Timestamp = Annotated[
    datetime,
    PlainSerializer(_iso, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class ReadModel(BaseModel):
    """A response body read from a domain object's attributes."""

    model_config = ConfigDict(from_attributes=True)


class ErrorDetail(BaseModel):
    code: str
    message: str
    # Left out (not null) unless the request broke a field's rule.
    fields: Annotated[
        dict[str, str] | None,
        WithJsonSchema({"type": "object", "additionalProperties": {"type": "string"}}),
    ] = Field(default=None, exclude_if=lambda fields: fields is None)


class ErrorRead(BaseModel):
    """CONTRACT "Errors": every 4xx/5xx under /api/ (`fields` only for validation errors)."""

    error: ErrorDetail


class UserRead(ReadModel):
    id: int
    username: str
    roles: list[str]
    unit_id: int | None
    facility_id: int | None = None


class LoginRead(BaseModel):
    token: str
    user: UserRead


class MeRead(BaseModel):
    user: UserRead


class SignedOutRead(BaseModel):
    signed_out: bool


class AuditEntryRead(ReadModel):
    id: int
    at: Timestamp
    user_id: int | None
    actor: str
    action: str
    record_type: str
    record_id: str | None
    client_address: str | None
    detail: dict[str, Any] | None
