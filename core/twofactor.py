"""Two-factor sign-in: TOTP (RFC 6238, the codes of an authenticator app) and one-time recovery
codes. Pure service: no Flask; the key comes from the edge (`secret_key`, SECRET_KEY).

* The TOTP secret is stored encrypted (Fernet, a key derived from SECRET_KEY) and shown only while
  enrolling: once confirmed, no page or answer shows it again. Changing SECRET_KEY makes stored
  secrets unreadable: those users sign in with a recovery code (stored as hashes, which do not
  depend on the key) and enrol again, or an admin turns their two-factor sign-in off.
* A code is accepted for the current 30-second step and one step either side (phone clocks
  drift), and never twice: `users.totp_last_step` only moves forward, by a compare-and-set.
* Ten recovery codes, 16 letters and digits each (80 bits), shown once when enrolment is
  confirmed; each works once (`used_at`, set by a compare-and-set).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyotp
import qrcode
import qrcode.image.svg
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken

from core.actors import Actor
from core.audit import audit_as
from core.clock import now as clock_now
from core.errors import Conflict, DomainError
from core.models import RecoveryCode, User

ISSUER = "Crisis dispatch"
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud, typed from paper
_RECOVERY_LENGTH = 16
_TOTP_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, to type into an app that cannot scan
    uri: str  # otpauth://…, what the QR code holds
    qr_svg: str  # the QR code as an inline SVG element


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"crisis-dispatch totp secret\x00" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_secret(secret: str, *, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(secret.encode()).decode()


def decrypt_secret(stored: str | None, *, secret_key: str) -> str | None:
    if not stored:
        return None
    try:
        return _fernet(secret_key).decrypt(stored.encode()).decode()
    except InvalidToken:
        return None  # SECRET_KEY changed: the secret cannot be read (recovery codes still work)


def enrolment_required(user: User, required_roles: frozenset[str]) -> bool:
    """A user of a REQUIRE_2FA_ROLES role without two-factor sign-in: must enrol before anything."""
    return bool(required_roles) and user.has_any_role(required_roles) and not user.two_factor_on


def qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    text = out.getvalue().decode()
    return text[text.index("<svg") :]  # the element alone, without the XML declaration


def start_enrolment(*, session: Any, user: User, secret_key: str) -> Enrolment:
    """A new secret, kept (encrypted) until confirmed with a code; replaces an earlier unconfirmed one."""
    if user.two_factor_on:
        raise Conflict(
            "Two-factor sign-in is on already: turn it off first to set up a new phone.", code="two_factor_on"
        )
    secret = pyotp.random_base32()
    user.totp_secret = encrypt_secret(secret, secret_key=secret_key)
    user.totp_last_step = None
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret=secret, uri=uri, qr_svg=qr_svg(uri))


def pending_enrolment(*, user: User, secret_key: str) -> Enrolment | None:
    """The enrolment begun and not yet confirmed (to show its QR code again), or None."""
    if user.two_factor_on:
        return None
    secret = decrypt_secret(user.totp_secret, secret_key=secret_key)
    if secret is None:
        return None
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret=secret, uri=uri, qr_svg=qr_svg(uri))


def _normal(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(_normal(code).encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def _accept_totp(*, session: Any, user: User, code: str, secret: str, at: datetime) -> bool:
    totp = pyotp.TOTP(secret)
    current = totp.timecode(at)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            moved = session.execute(
                sa.update(User)
                .where(User.id == user.id, sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
                .values(totp_last_step=step)
                .execution_options(synchronize_session=False)
            ).rowcount
            session.expire(user, ["totp_last_step"])
            return bool(moved)  # 0: this code (or a later one) was accepted already
    return False


def confirm_enrolment(*, session: Any, user: User, code: str, secret_key: str, by: Actor) -> list[str]:
    """Turn two-factor sign-in on with a code from the app; returns the recovery codes (shown once)."""
    if user.two_factor_on:
        raise Conflict("Two-factor sign-in is on already.", code="two_factor_on")
    secret = decrypt_secret(user.totp_secret, secret_key=secret_key)
    if secret is None:
        raise Conflict("Start the set-up first: there is no code to confirm.", code="two_factor_not_started")
    if not _TOTP_CODE.match(_normal(code)) or not _accept_totp(
        session=session, user=user, code=_normal(code), secret=secret, at=clock_now()
    ):
        raise DomainError(
            "That code does not match. Type the 6 digits your app shows now.",
            fields={"otp": "not the code the app shows now"},
            code="invalid_otp",
        )
    user.totp_enabled_at = clock_now()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(c)) for c in codes)
    audit_as(session=session, by=by, action="user.2fa_on", record_type="user", record_id=user.id)
    return codes


def turn_off(*, session: Any, user: User, by: Actor) -> None:
    """Two-factor sign-in off: the secret and the recovery codes are deleted."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit_as(session=session, by=by, action="user.2fa_off", record_type="user", record_id=user.id)


def check_second_factor(*, session: Any, user: User, code: str, secret_key: str) -> bool:
    """A TOTP code (6 digits) or an unused recovery code of this user; a recovery code is used up."""
    normal = _normal(code)
    if _TOTP_CODE.match(normal):
        secret = decrypt_secret(user.totp_secret, secret_key=secret_key)
        return secret is not None and _accept_totp(
            session=session, user=user, code=normal, secret=secret, at=clock_now()
        )
    if len(normal) != _RECOVERY_LENGTH:
        return False
    used = session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_recovery(normal),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=clock_now())
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(used)


def recovery_codes_left(*, session: Any, user: User) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )
