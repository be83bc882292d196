"""The administration API: users and unit details (CONTRACT "Administration"). Admins only."""

from __future__ import annotations

from flask_login import current_user, login_user

from admin import units, users
from admin.schemas import UnitPatchIn, UserAdminRead, UserIn, UserPatchIn, UsersQuery
from core import deps
from core.actors import Actor
from core.api import ApiBlueprint
from core.auth import bearer_token, signed_in_by_token, token_hash
from core.clock import now as clock_now
from core.extensions import db
from core.live import end_live_sessions
from core.models import User
from core.roles import ADMINS
from dispatch.schemas import UnitRead

api = ApiBlueprint("admin_api", __name__, url_prefix="/api/v1")


def user_read(user: User, call_signs: dict[int, str] | None = None) -> UserAdminRead:
    if call_signs is None:
        call_signs = users.unit_call_signs(session=db.session, users=[user])
    return UserAdminRead(
        id=user.id,
        username=user.username,
        roles=user.roles,
        unit_id=user.unit_id,
        unit_call_sign=call_signs.get(user.unit_id) if user.unit_id is not None else None,
        facility_id=getattr(user, "facility_id", None),
        disabled=not user.active,
        two_factor=user.two_factor_on,
        created_at=user.created_at,
    )


@api.op(
    "/users",
    "GET",
    roles=ADMINS,
    query=UsersQuery,
    response=list[UserAdminRead],
    summary="User accounts, newest first",
)
def list_users(*, query: UsersQuery) -> list[UserAdminRead]:
    rows = users.list_users(session=db.session, limit=query.limit)
    call_signs = users.unit_call_signs(session=db.session, users=rows)
    return [user_read(user, call_signs) for user in rows]


@api.op("/users/<int:user_id>", "GET", roles=ADMINS, response=UserAdminRead, summary="One user account")
def get_user(user_id: int) -> UserAdminRead:
    return user_read(users.get_user(session=db.session, user_id=user_id))


@api.op(
    "/users",
    "POST",
    roles=ADMINS,
    body=UserIn,
    response=UserAdminRead,
    status=201,
    summary="Create a user (unit by id or call sign, facility by id or name)",
)
def create_user(*, body: UserIn) -> tuple[UserAdminRead, int]:
    user = users.add_user(
        session=db.session,
        username=body.username,
        password=body.password,
        roles=body.roles,
        unit=body.unit,
        facility=body.facility,
        by=Actor.of(current_user),
    )
    db.session.commit()
    return user_read(user), 201


@api.op(
    "/users/<int:user_id>",
    "PATCH",
    roles=ADMINS,
    body=UserPatchIn,
    response=UserAdminRead,
    summary="Change a user's roles, unit, facility, password, two-factor (off), or disable them",
)
def patch_user(user_id: int, *, body: UserPatchIn) -> UserAdminRead:
    sent = body.model_fields_set
    own = user_id == current_user.id
    token = bearer_token() if signed_in_by_token() else None
    change = users.change_user(
        session=db.session,
        user_id=user_id,
        by=Actor.of(current_user),
        roles=body.roles,
        unit=body.unit if "unit" in sent else users.UNSET,
        facility=body.facility if "facility" in sent else users.UNSET,
        disabled=body.disabled,
        password=body.password,
        keep_token_hash=token_hash(token) if own and token else None,
        two_factor=body.two_factor,
    )
    db.session.commit()
    if change.ended:
        end_live_sessions(user_id=user_id)
        if own and change.user.active and not token:
            login_user(change.user)  # a new password of one's own: this browser stays signed in
    return user_read(change.user)


# --- units ---------------------------------------------------------------------------------------


@api.op(
    "/units/<int:unit_id>",
    "PATCH",
    roles=ADMINS,
    body=UnitPatchIn,
    response=UnitRead,
    summary="Change a unit's call sign, phones, capabilities or home base",
)
def patch_unit(unit_id: int, *, body: UnitPatchIn) -> UnitRead:
    stale_s = deps.settings().position_stale_s
    capabilities = body.capabilities
    unit = units.update_unit(
        session=db.session,
        unit_id=unit_id,
        by=Actor.of(current_user),
        stale_s=stale_s,
        call_sign=body.call_sign,
        phones=body.phones,
        languages=capabilities.languages if capabilities is not None else None,
        youth=capabilities.youth if capabilities is not None else None,
        home=(body.home.lat, body.home.lon) if body.home is not None else None,
    )
    db.session.commit()
    return UnitRead.of(unit, now=clock_now(), stale_s=stale_s)
