"""Sign-in pages and the token API."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from pydantic import Field
from wtforms import PasswordField, StringField
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
from core.errors import Unauthorized
from core.extensions import db
from core.live import end_live_sessions
from core.login_limits import login_limits
from core.schemas import LoginRead, MeRead, SignedOutRead, UserRead

pages = Blueprint("auth", __name__)
api = ApiBlueprint("auth_api", __name__, url_prefix="/api/v1")


class LoginForm(FlaskForm):  # type: ignore[misc]
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


@pages.route("/login", methods=["GET", "POST"])
def login_page() -> Any:
    return _login_page()


def _login_page() -> Any:
    form = LoginForm()
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    status = 200
    error = None
    if form.validate_on_submit():
        user = verify_password(session=db.session, username=form.username.data, password=form.password.data)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        error = "That username and password do not match. Check both and try again."
        status = 401
    elif request.method == "POST":
        status = 400
        error = "Enter your username and password."
    return render_template("login.html", form=form, error=error), status


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
