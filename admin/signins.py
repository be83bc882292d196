"""Sign-ins on the audit trail: every browser sign-in (the /login form, and its second step when
two-factor sign-in is on) is an entry `login` on the user's record, so an auditor finds who
signed in when and from where beside what they did.

Flask-Login's `user_logged_in` signal fires wherever a browser session starts (`login_user`), so
every sign-in path is covered without each one remembering to write the entry.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import user_logged_in

from core.audit import audit
from core.extensions import db


def record_sign_in(_app: Any, user: Any, **_extra: Any) -> None:
    """One `login` entry, committed at once: the sign-in has happened whatever the page does next."""
    audit(
        session=db.session,
        user=user,
        action="login",
        record_type="user",
        record_id=user.id,
        detail={"by": "browser"},
    )
    db.session.commit()


def init_app(app: Flask) -> None:
    user_logged_in.connect(record_sign_in, app)
