"""Sign-in pages and the token API."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from pydantic import Field
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from core import deps
from core.api import ApiBlueprint, ApiModel, openapi_document
from core.auth import (
    ANY_ROLE,
    PUBLIC,
    bearer_token,
    end_cookie_sessions,
    issue_token,
    revoke_token,
    verify_password,
)
from core.clock import now as clock_now
from core.errors import Forbidden, Unauthorized
from core.extensions import db
from core.live import end_live_sessions
from core.login_limits import login_limits
from core.models import User
from core.schemas import LoginRead, MeRead, SignedOutRead, UserRead
from core.twofactor import check_second_factor, enrolment_required

pages = Blueprint("auth", __name__)
api = ApiBlueprint("auth_api", __name__, url_prefix="/api/v1")


class LoginForm(FlaskForm):  # type: ignore[misc]
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class CodeForm(FlaskForm):  # type: ignore[misc]
    """The second step of signing in with two-factor sign-in on: the code (the username rides
    along, so the failure is counted against the same name as a wrong password)."""

    username = HiddenField(validators=[DataRequired(), Length(max=80)])
    otp = StringField("Code", validators=[DataRequired(), Length(max=40)])


# The password step passed, the code step pending: the user id, their session epoch, and until when.
PENDING = "login_second_factor"
PENDING_FOR_S = 300
CODE_WRONG = "That code is not right. Type the 6 digits your app shows now, or one of your recovery codes."


def _secret_key() -> str:
    return str(current_app.config["SECRET_KEY"])


def _pending_user(username: str) -> User | None:
    """The user whose password step passed in this browser, for this username, not too long ago."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("until", 0) < clock_now().timestamp():
        return None
    user = db.session.get(User, pending.get("user_id"))
    if user is None or user.session_epoch != pending.get("epoch") or not user.active:
        return None
    if user.username.lower() != (username or "").strip().lower():
        return None
    return user


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


@pages.route("/login", methods=["GET", "POST"])
def login_page() -> Any:
    return _login_page()


def _login_page() -> Any:
    if request.method == "POST" and "otp" in request.form:
        return _code_step()
    form = LoginForm()
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    status = 200
    error = None
    if form.validate_on_submit():
        user = verify_password(session=db.session, username=form.username.data, password=form.password.data)
        if user is not None and user.two_factor_on:
            session[PENDING] = {
                "user_id": user.id,
                "epoch": user.session_epoch,
                "until": clock_now().timestamp() + PENDING_FOR_S,
            }
            return render_template("login.html", form=None, code_form=CodeForm(username=user.username), error=None)
        if user is not None:
            return _signed_in(user)
        error = "That username and password do not match. Check both and try again."
        status = 401
    elif request.method == "POST":
        status = 400
        error = "Enter your username and password."
    return render_template("login.html", form=form, error=error), status


def _code_step() -> Any:
    code_form = CodeForm()
    if not code_form.validate_on_submit():
        return render_template("login.html", form=None, code_form=code_form, error="Type the code."), 400
    user = _pending_user(code_form.username.data)
    if user is None:
        session.pop(PENDING, None)
        form = LoginForm(username=code_form.username.data)
        error = "Signing in took too long, or was started elsewhere. Enter your password again."
        return render_template("login.html", form=form, error=error), 401
    if not check_second_factor(session=db.session, user=user, code=code_form.otp.data, secret_key=_secret_key()):
        db.session.rollback()
        code_form.otp.data = ""
        return render_template("login.html", form=None, code_form=code_form, error=CODE_WRONG), 401
    db.session.commit()
    session.pop(PENDING, None)
    return _signed_in(user)


def _signed_in(user: User) -> Any:
    login_user(user)
    if enrolment_required(user, deps.settings().two_factor_roles):
        return redirect(url_for("account.two_factor_page"))
    return redirect(_safe_next(request.args.get("next")))


# The HTML form shares the per-username failure count with the API.
for _limit in login_limits():
    _login_page = _limit(_login_page)


@pages.route("/logout", methods=["POST"])
def logout_page() -> Any:
    if current_user.is_authenticated:
        user_id = current_user.id
        end_cookie_sessions(session=db.session, user_id=user_id)
        db.session.commit()
        end_live_sessions(user_id=user_id)
    logout_user()
    return redirect(url_for("auth.login_page"))


class LoginIn(ApiModel):
    # At least one character that is not a space: a blank name is refused (422), never counted.
    username: str = Field(min_length=1, max_length=80, pattern=r"\S")
    password: str = Field(min_length=1, max_length=200)
    otp: str | None = Field(
        default=None, min_length=1, max_length=40, description="with two-factor sign-in on: a code or a recovery code"
    )


@api.op(
    "/auth/login",
    "POST",
    roles=PUBLIC,
    body=LoginIn,
    response=LoginRead,
    summary="Sign in and get a bearer token",
    limits=login_limits(),
)
def auth_login(*, body: LoginIn) -> LoginRead:
    user = verify_password(session=db.session, username=body.username, password=body.password)
    if user is None:
        raise Unauthorized("That username and password do not match.", code="invalid_credentials")
    if user.two_factor_on:
        if body.otp is None:
            raise Unauthorized(
                'This account signs in with a code too: send "otp" (the 6 digits of the app, or a recovery code).',
                code="otp_required",
            )
        if not check_second_factor(session=db.session, user=user, code=body.otp, secret_key=_secret_key()):
            db.session.rollback()
            raise Unauthorized("That code is not right.", code="invalid_otp")
    elif enrolment_required(user, deps.settings().two_factor_roles):
        raise Forbidden(
            "Your role signs in with two-factor sign-in: sign in on /login to set it up first.",
            code="two_factor_enrolment_required",
        )
    token = issue_token(session=db.session, user=user, ttl_s=deps.settings().token_ttl_s)
    db.session.commit()
    return LoginRead(token=token, user=UserRead.model_validate(user))


@api.op(
    "/auth/logout",
    "POST",
    roles=ANY_ROLE,
    response=SignedOutRead,
    summary="Revoke the bearer token this request carries",
)
def auth_logout() -> SignedOutRead:
    token = bearer_token()
    if token:
        revoke_token(session=db.session, token=token)
        db.session.commit()
        end_live_sessions(token=token)
    else:
        user_id = current_user.id
        end_cookie_sessions(session=db.session, user_id=user_id)
        db.session.commit()
        logout_user()
        end_live_sessions(user_id=user_id)
    return SignedOutRead(signed_out=True)


@api.op("/auth/me", "GET", roles=ANY_ROLE, response=MeRead, summary="Who is signed in")
def auth_me() -> MeRead:
    return MeRead(user=UserRead.model_validate(current_user))


@api.op("/openapi.json", "GET", roles=PUBLIC, response=dict, summary="This API's OpenAPI description")
def openapi() -> Any:
    return Response(json.dumps(openapi_document(current_app)), mimetype="application/json")
