"""User accounts as an administrator manages them: create, roles, the unit or facility a user is
tied to, disable, reset the password (CONTRACT "Administration").

Rules:
* Disabling a user or changing their password ends every way they are signed in: cookie sessions
  (the session epoch), bearer tokens (revoked) and, after the commit, live connections
  (`core.live.end_live_sessions`, which reaches every process). The edge calls
  `end_live_sessions` once the change is committed: `UserChange.ended` says whether to.
* The last active admin can be neither disabled nor demoted (Conflict, 409). Every change that
  could take an admin away first takes one lock (PostgreSQL: a transaction advisory lock; SQLite's
  writers are serialised by BEGIN IMMEDIATE), then counts the other active admins, so two admins
  demoting each other at once cannot leave none.
* A `field` user rides with a unit and a `facility` user belongs to a facility: a user of that
  role without one is refused (422), so no account is made that can see nothing.
* Every change is an audit entry (`record_type` "user"); passwords are never written to it.

Pure service: no Flask. `unit` is a unit id (int) or a call sign (str); `facility` is a facility
id (int) or its name (str).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core import twofactor
from core.actors import Actor
from core.audit import audit_as
from core.auth import UnknownRole, WeakPassword, check_password_policy, end_cookie_sessions, hash_password
from core.db import utcnow
from core.errors import Conflict, DomainError, NotFound
from core.models import ApiToken, User, UserRole
from core.roles import ROLES
from dispatch.models import Unit

ADMIN = "admin"
# One key for every change that could leave no active admin (pg_advisory_xact_lock).
ADMIN_GUARD_LOCK = 0x0AD3_1A57


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()  # a PATCH field that was not sent (None means "untie")


@dataclass
class UserChange:
    user: User
    changed: list[str] = field(default_factory=list)
    # The user's sign-ins were ended (disabled, or a new password): end their live connections too.
    ended: bool = False


# -- reading -------------------------------------------------------------------------------------


def list_users(*, session: Any, limit: int) -> list[User]:
    """Newest first (CONTRACT "Lists")."""
    return list(session.scalars(sa.select(User).order_by(User.id.desc()).limit(limit)))


def get_user(*, session: Any, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user {user_id}.")
    return user  # type: ignore[no-any-return]


def unit_call_signs(*, session: Any, users: Iterable[User]) -> dict[int, str]:
    ids = {u.unit_id for u in users if u.unit_id is not None}
    if not ids:
        return {}
    return dict(session.execute(sa.select(Unit.id, Unit.call_sign).where(Unit.id.in_(ids))).all())  # type: ignore[arg-type]


# -- references ------------------------------------------------------------------------------------


def resolve_unit(*, session: Any, ref: int | str | None) -> int | None:
    """A unit id from an id (int) or a call sign (str, compared without case); None for None."""
    if ref is None:
        return None
    if isinstance(ref, int):
        found = session.scalar(sa.select(Unit.id).where(Unit.id == ref))
    else:
        found = session.scalar(sa.select(Unit.id).where(sa.func.lower(Unit.call_sign) == ref.strip().lower()))
    if found is None:
        raise DomainError(f"There is no unit {ref!r}.", fields={"unit": "no such unit (give its id or call sign)"})
    return int(found)


def resolve_facility(*, session: Any, ref: int | str | None) -> int | None:
    """A facility id from an id (int) or a name (str, compared without case); None for None."""
    if ref is None:
        return None
    from facilities.models import Facility

    if isinstance(ref, int):
        found = session.scalar(sa.select(Facility.id).where(Facility.id == ref))
    else:
        found = session.scalar(sa.select(Facility.id).where(sa.func.lower(Facility.name) == ref.strip().lower()))
    if found is None:
        raise DomainError(
            f"There is no facility {ref!r}.", fields={"facility": "no such facility (give its id or name)"}
        )
    return int(found)


def supports_facilities() -> bool:
    """Whether users can be tied to a facility yet (users.facility_id, from the facilities work)."""
    return hasattr(User, "facility_id")


# -- rules -----------------------------------------------------------------------------------------


def _clean_roles(roles: Iterable[str]) -> list[str]:
    clean = sorted(set(roles))
    unknown = [role for role in clean if role not in ROLES]
    if unknown or not clean:
        raise DomainError(
            f"Unknown role(s) {', '.join(unknown) or '(none given)'}; roles are {', '.join(ROLES)}.",
            fields={"roles": f"give one or more of: {', '.join(ROLES)}"},
        )
    return clean


def _check_ties(*, roles: list[str], unit_id: int | None, facility_id: int | None) -> None:
    if "field" in roles and unit_id is None:
        raise DomainError(
            "A field user rides with a unit: name the unit.", fields={"unit": "required for the field role"}
        )
    if facility_id is not None and "facility" not in roles:
        raise DomainError(
            "Only a facility user belongs to a facility: give the role facility, or untie the facility (null).",
            fields={"facility": "only for the facility role"},
        )
    if "facility" in roles and facility_id is None:
        raise DomainError(
            "A facility user belongs to a facility: name the facility.",
            fields={"facility": "required for the facility role"},
        )


def _check_password(*, password: str, roles: list[str], username: str) -> None:
    try:
        check_password_policy(password=password, roles=roles, username=username)
    except WeakPassword as error:
        raise DomainError(f"The password is not accepted: {error}.", fields={"password": str(error)}) from None


def is_active_admin(user: User) -> bool:
    return bool(user.active) and ADMIN in user.roles


def _guard_last_admin(*, session: Any, user: User) -> None:
    """Refuse (409) a change that would leave no active admin. Takes the admin guard lock first."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADMIN_GUARD_LOCK})
    others = session.scalar(
        sa.select(sa.func.count())
        .select_from(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == ADMIN, User.active.is_(True), User.id != user.id)
    )
    # Read again after the lock: what this transaction saw of the user may be older than the lock.
    session.refresh(user)
    if not others and is_active_admin(user):
        raise Conflict(
            f"{user.username} is the last active administrator: make another administrator first.",
            code="last_admin",
        )


def end_sign_ins(*, session: Any, user_id: int, keep_token_hash: str | None = None) -> int:
    """End the user's cookie sessions and revoke their bearer tokens (in this transaction); the
    caller ends their live connections after the commit. `keep_token_hash`: the token of the
    request itself, when a user changes their own password. Returns how many tokens were revoked."""
    end_cookie_sessions(session=session, user_id=user_id)
    statement = sa.update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    if keep_token_hash is not None:
        statement = statement.where(ApiToken.token_hash != keep_token_hash)
    result = session.execute(statement.values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


# -- changes ---------------------------------------------------------------------------------------


def add_user(
    *,
    session: Any,
    username: str,
    password: str,
    roles: Iterable[str],
    unit: int | str | None = None,
    facility: int | str | None = None,
    by: Actor,
) -> User:
    username = username.strip()
    clean = _clean_roles(roles)
    taken = session.scalar(sa.select(User.id).where(sa.func.lower(User.username) == username.lower()))
    if taken is not None:
        raise Conflict(f"A user named {username} exists already.", code="username_taken")
    unit_id = resolve_unit(session=session, ref=unit)
    facility_id = resolve_facility(session=session, ref=facility) if supports_facilities() else None
    if facility is not None and not supports_facilities():
        raise DomainError("Facility users are not available yet.", fields={"facility": "not supported yet"})
    _check_ties(roles=clean, unit_id=unit_id, facility_id=facility_id)
    _check_password(password=password, roles=clean, username=username)
    user = User(username=username, password_hash=hash_password(password), unit_id=unit_id)
    if facility_id is not None:
        user.facility_id = facility_id
    user.role_rows = [UserRole(role=role) for role in clean]
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        raise Conflict(f"A user named {username} exists already.", code="username_taken") from None
    audit_as(
        session=session,
        by=by,
        action="user.create",
        record_type="user",
        record_id=user.id,
        detail={"username": username, "roles": clean, "unit_id": unit_id, "facility_id": facility_id},
    )
    return user


def change_user(
    *,
    session: Any,
    user_id: int,
    by: Actor,
    roles: Iterable[str] | None = None,
    unit: int | str | None = UNSET,
    facility: int | str | None = UNSET,
    disabled: bool | None = None,
    password: str | None = None,
    keep_token_hash: str | None = None,
    two_factor: bool | None = None,
) -> UserChange:
    """Apply the given changes (None / UNSET: leave as is). Raises DomainError (422), NotFound,
    Conflict (the last active admin)."""
    user = get_user(session=session, user_id=user_id)
    before = {
        "roles": user.roles,
        "unit_id": user.unit_id,
        "facility_id": getattr(user, "facility_id", None),
        "disabled": not user.active,
    }
    new_roles = _clean_roles(roles) if roles is not None else user.roles
    unit_id = resolve_unit(session=session, ref=unit) if unit is not UNSET else user.unit_id
    if facility is not UNSET and not supports_facilities():
        raise DomainError("Facility users are not available yet.", fields={"facility": "not supported yet"})
    facility_id = (
        resolve_facility(session=session, ref=facility) if facility is not UNSET else getattr(user, "facility_id", None)
    )
    _check_ties(roles=new_roles, unit_id=unit_id, facility_id=facility_id)
    if password is not None:
        _check_password(password=password, roles=new_roles, username=user.username)
    if two_factor is True and not user.two_factor_on:
        raise DomainError(
            "Only the user can turn two-factor sign-in on, at /account/2fa.",
            fields={"two_factor": "only false (turn it off) is accepted here"},
        )
    takes_admin_away = is_active_admin(user) and (ADMIN not in new_roles or disabled is True)
    if takes_admin_away:
        _guard_last_admin(session=session, user=user)

    change = UserChange(user=user)
    detail: dict[str, Any] = {}
    if roles is not None and new_roles != before["roles"]:
        user.role_rows = [row for row in user.role_rows if row.role in new_roles]
        held = {row.role for row in user.role_rows}
        user.role_rows.extend(UserRole(role=role) for role in new_roles if role not in held)
        detail["roles"] = {"from": before["roles"], "to": new_roles}
    if unit_id != before["unit_id"]:
        user.unit_id = unit_id
        detail["unit_id"] = {"from": before["unit_id"], "to": unit_id}
    if facility_id != before["facility_id"]:
        user.facility_id = facility_id
        detail["facility_id"] = {"from": before["facility_id"], "to": facility_id}
    if disabled is not None and disabled != before["disabled"]:
        user.active = not disabled
        detail["disabled"] = {"from": before["disabled"], "to": disabled}
        change.ended = disabled
    if password is not None:
        user.password_hash = hash_password(password)
        detail["password"] = "changed"  # noqa: S105 (words for the audit trail, never the password)
        change.ended = True
    if two_factor is False and user.two_factor_on:
        twofactor.turn_off(session=session, user=user, by=by)
        detail["two_factor"] = {"from": True, "to": False}
        change.ended = True  # whoever holds their sign-ins may be who took the phone
    session.flush()
    if change.ended:
        keep = keep_token_hash if disabled is not True else None
        detail["tokens_revoked"] = end_sign_ins(session=session, user_id=user.id, keep_token_hash=keep)
        session.expire(user, ["session_epoch"])
    change.changed = [name for name in detail if name != "tokens_revoked"]
    if detail:
        audit_as(session=session, by=by, action="user.update", record_type="user", record_id=user.id, detail=detail)
    return change


def set_password(*, session: Any, username: str, password: str, by: Actor) -> User:
    """The CLI's `users set-password`: a new password, and every sign-in of the user ended."""
    user = session.scalars(sa.select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    change_user(session=session, user_id=user.id, by=by, password=password)
    return user  # type: ignore[no-any-return]


__all__ = [
    "UNSET",
    "UnknownRole",
    "UserChange",
    "add_user",
    "change_user",
    "end_sign_ins",
    "get_user",
    "list_users",
    "resolve_facility",
    "resolve_unit",
    "set_password",
]
