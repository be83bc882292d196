"""Sign-in (session cookie or bearer token) and the one role check every route and event uses."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import cache, wraps
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import g, request
from flask_login import current_user
from werkzeug.security import check_password_hash, generate_password_hash

from core.db import utcnow
from core.errors import Forbidden, Unauthorized
from core.extensions import db, login_manager
from core.models import ApiToken, User, UserRole
from core.roles import ANY_ROLE as _ANY_ROLE
from core.roles import ROLES

F = TypeVar("F", bound=Callable[..., Any])

# Anyone, signed in or not (login, health). Everything else names its roles.
PUBLIC: frozenset[str] = frozenset()
ANY_ROLE: frozenset[str] = _ANY_ROLE  # every role, facility included; the groups are in core.roles


class UnknownRole(ValueError):
    pass


class WeakPassword(ValueError):
    """A new password the policy refuses; the message says why, in words for the person setting it."""


# The password policy (NIST SP 800-63B 5.1.1.2): a length floor, no composition rules, and no
# password from a list of common ones. An administrator's password guards every account.
PASSWORD_MIN_LENGTH = 8
ADMIN_PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 200  # what sign-in accepts (core.views_auth.LoginIn)
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "passwords" / "common.txt"


@cache
def common_passwords() -> frozenset[str]:
    """The common passwords of data/passwords (lower case), read once per process."""
    return frozenset(line.strip() for line in COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines() if line)


def check_password_policy(*, password: str, roles: Iterable[str], username: str = "") -> None:
    """Raises WeakPassword when `password` may not be set for a user with these roles."""
    minimum = ADMIN_PASSWORD_MIN_LENGTH if "admin" in set(roles) else PASSWORD_MIN_LENGTH
    if len(password) < minimum:
        who = "an administrator" if minimum == ADMIN_PASSWORD_MIN_LENGTH else "a user"
        raise WeakPassword(f"the password is too short: {who} needs at least {minimum} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise WeakPassword(f"the password is too long: at most {PASSWORD_MAX_LENGTH} characters")
    if password.lower() in common_passwords():
        raise WeakPassword("the password is one of the most common passwords; choose another")
    if username and password.strip().lower() == username.strip().lower():
        raise WeakPassword("the password must not be the username")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def create_user(
    *,
    session: Any,
    username: str,
    password: str,
    roles: Iterable[str],
    unit_id: int | None = None,
    facility_id: int | None = None,
) -> User:
    roles = sorted(set(roles))
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise UnknownRole(f"unknown role(s) {', '.join(unknown) or '(none given)'}; roles are {', '.join(ROLES)}")
    check_password_policy(password=password, roles=roles, username=username)
    user = User(username=username, password_hash=hash_password(password), unit_id=unit_id, facility_id=facility_id)
    user.role_rows = [UserRole(role=role) for role in roles]
    session.add(user)
    session.flush()
    return user


def find_user(*, session: Any, username: str) -> User | None:
    if "\x00" in username:
        return None  # no name holds one (and PostgreSQL refuses to compare with it)
    return session.scalars(sa.select(User).where(User.username == username)).one_or_none()


def verify_password(*, session: Any, username: str, password: str) -> User | None:
    user = find_user(session=session, username=username)
    if user is None:
        # Spend the same effort as a real check, so timing does not tell which names exist.
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


_DUMMY_HASH = generate_password_hash("not-a-password", method="scrypt")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


token_hash = _token_hash  # what a token is stored as


def issue_token(*, session: Any, user: User, ttl_s: int) -> str:
    """A new bearer token for `user`, valid for `ttl_s` seconds (TOKEN_TTL_S); stored as a hash."""
    token = secrets.token_urlsafe(32)
    ttl = ttl_s
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), expires_at=utcnow() + timedelta(seconds=ttl)))
    return token


def user_for_token(*, session: Any, token: str) -> User | None:
    row = session.scalars(sa.select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow() or not row.user.active:
        return None
    return row.user


def revoke_token(*, session: Any, token: str) -> bool:
    row = session.scalars(sa.select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).one_or_none()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def end_cookie_sessions(*, session: Any, user_id: int) -> None:
    """End every cookie session of this user (sign-out; a password change or disabling too): the
    id each of their cookies carries names the old epoch, which the user loader no longer accepts."""
    session.execute(sa.update(User).where(User.id == user_id).values(session_epoch=User.session_epoch + 1))


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The user of a cookie session, while its epoch is the user's current one (see User.get_id)."""
    user_id, _, epoch = session_id.partition(":")
    if not (user_id.isdigit() and epoch.isdigit()):
        return None  # an id from before sessions had epochs, or a forged one
    user = db.session.get(User, int(user_id))
    if user is None or user.session_epoch != int(epoch):
        return None
    return user


@login_manager.request_loader
def _load_user_from_token(_request: Any) -> User | None:
    token = bearer_token()
    if token is None:
        return None
    user = user_for_token(session=db.session, token=token)
    if user is not None:
        g.signed_in_by = "token"
    return user


def signed_in_by_token() -> bool:
    return g.get("signed_in_by") == "token"


def check_roles(user: Any, roles: frozenset[str]) -> None:
    """The one role check: raises Unauthorized (not signed in) or Forbidden (role not allowed)."""
    if roles is PUBLIC:
        return
    if user is None or not getattr(user, "is_authenticated", False):
        raise Unauthorized("Sign in first.")
    if not user.has_any_role(roles):
        raise Forbidden(f"Your role cannot do this (needs one of: {', '.join(sorted(roles))}).")


def roles_required(*roles: str) -> Callable[[F], F]:
    """For pages: the same check as the API, before the view runs."""
    allowed = frozenset(roles) or ANY_ROLE

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            check_roles(current_user, allowed)
            return view(*args, **kwargs)

        wrapper.__required_roles__ = allowed  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
