"""Request bodies and answers of the administration API."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt, StrictStr

from core.api import ApiModel, ListQuery
from core.schemas import ID_MAX, ID_MIN, ReadModel, Timestamp
from dispatch.schemas import Position

# A username is shown on every screen and in the audit trail: letters, digits and . _ @ - only.
Username = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
Password = Field(min_length=1, max_length=200)
RowId = Annotated[StrictInt, Field(ge=ID_MIN, le=ID_MAX)]
# A unit by its id (a number) or its call sign (text); a facility by its id or its name.
UnitRef = RowId | Annotated[StrictStr, Field(min_length=1, max_length=20)]
FacilityRef = RowId | Annotated[StrictStr, Field(min_length=1, max_length=120)]
Roles = Field(min_length=1, max_length=10)


class UserIn(ApiModel):
    username: str = Username
    password: str = Password
    roles: list[Annotated[str, Field(max_length=20)]] = Roles
    unit: UnitRef | None = Field(default=None, description="unit id (number) or call sign (text)")
    facility: FacilityRef | None = Field(default=None, description="facility id (number) or name (text)")


class UserPatchIn(ApiModel):
    """Only the fields sent change; `unit` / `facility` null unties the user."""

    roles: list[Annotated[str, Field(max_length=20)]] | None = Field(default=None, min_length=1, max_length=10)
    unit: UnitRef | None = Field(default=None, description="unit id (number) or call sign (text); null unties")
    facility: FacilityRef | None = Field(default=None, description="facility id (number) or name (text); null unties")
    disabled: bool | None = None
    password: str | None = Field(default=None, min_length=1, max_length=200)
    two_factor: bool | None = Field(
        default=None, description="false turns the user's two-factor sign-in off (a lost phone); only they turn it on"
    )


class UsersQuery(ListQuery):
    """Newest first; `limit` 1-500 (50)."""


class UserAdminRead(ReadModel):
    id: int
    username: str
    roles: list[str]
    unit_id: int | None
    unit_call_sign: str | None = None
    facility_id: int | None = None
    disabled: bool
    two_factor: bool = False
    created_at: Timestamp


class CapabilitiesPatchIn(ApiModel):
    languages: list[Annotated[str, Field(max_length=8)]] | None = Field(default=None, max_length=20)
    youth: bool | None = None


class UnitPatchIn(ApiModel):
    """Only the fields sent change; in `capabilities`, only the keys sent."""

    # As POST /units: letters, digits, space, dash and slash; nothing in it may read as markup.
    call_sign: str | None = Field(default=None, min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9 /-]*$")
    phones: list[Annotated[str, Field(min_length=1, max_length=32)]] | None = Field(
        default=None, min_length=1, max_length=5
    )
    capabilities: CapabilitiesPatchIn | None = None
    home: Position | None = None
