"""Texts to and from the teams as the API and the live events show them (CONTRACT.md "Messages")."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, RootModel

from core.schemas import ReadModel, Timestamp
from notifications.models import InboundMessage, OutboundMessage


class OutboundMessageRead(ReadModel):
    """An outbound text, with its delivery status (`kind`: dispatch, repage, checkin, stand_down)."""

    model_config = ConfigDict(from_attributes=True, serialize_by_alias=True)

    id: int
    direction: Literal["out"]
    kind: str
    unit_id: int | None
    incident_id: int | None
    to: str
    from_: str = Field(alias="from")
    body: str
    status: str
    error_code: int | None
    error_message: str | None
    attempts: int
    at: Timestamp
    status_at: Timestamp

    @classmethod
    def of(cls, row: OutboundMessage, *, sender: str) -> OutboundMessageRead:
        """`sender`: the number (or service) the texts go out from."""
        return cls.model_validate(
            {
                "id": row.id,
                "direction": "out",
                "kind": row.kind,
                "unit_id": row.unit_id,
                "incident_id": row.incident_id,
                "to": row.to,
                "from": sender,
                "body": row.body,
                "status": row.status,
                "error_code": row.error_code,
                "error_message": row.error_message,
                "attempts": row.attempts,
                "at": row.created_at,
                "status_at": row.updated_at,
            }
        )


class InboundMessageRead(ReadModel):
    """A text a team sent in (`kind`: the command it was read as), with the reply it got."""

    model_config = ConfigDict(from_attributes=True, serialize_by_alias=True)

    id: int
    direction: Literal["in"]
    kind: str | None
    unit_id: int | None
    incident_id: int | None
    to: str
    from_: str = Field(alias="from")
    body: str
    status: Literal["received"]
    error_code: None
    at: Timestamp
    reply: str | None

    @classmethod
    def of(cls, row: InboundMessage) -> InboundMessageRead:
        return cls.model_validate(
            {
                "id": row.id,
                "direction": "in",
                "kind": row.command,
                "unit_id": row.unit_id,
                "incident_id": row.incident_id,
                "to": row.to_number,
                "from": row.from_number,
                "body": row.body,
                "status": "received",
                "error_code": None,
                "at": row.received_at,
                "reply": row.reply,
            }
        )


MessageRead = Annotated[OutboundMessageRead | InboundMessageRead, Field(discriminator="direction")]


class MessagesRead(RootModel[list[MessageRead]]):
    """The texts of one incident, newest first: a bare JSON array."""
