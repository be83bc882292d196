"""Two-factor sign-in for one's own account: the page `/account/2fa` and its API
(`/api/v1/account/2fa…`), and the rule that a user of a REQUIRE_2FA_ROLES role without it can do
nothing but set it up (or sign out).

The page works without scripts: each step is a form posted to the page itself (CSRF-checked),
whose answer shows the next step: set up (the QR code and the secret to type), confirm with a
code, then the recovery codes, shown this once. Turning it off asks for the password and a code.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from pydantic import BaseModel, Field
from werkzeug.security import check_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from core import deps, twofactor
from core.actors import Actor
from core.api import ApiBlueprint, ApiModel
from core.auth import ANY_ROLE, roles_required
from core.errors import Conflict, DomainError, respond
from core.extensions import db
from core.models import User

pages = Blueprint("account", __name__, template_folder="templates")
api = ApiBlueprint("account_api", __name__, url_prefix="/api/v1")

# What a user who must enrol may still reach.
ENROLMENT_OPEN = frozenset(
    {
        "account.two_factor_page",
        "account_api.two_factor_status",
        "account_api.two_factor_setup",
        "account_api.two_factor_confirm",
        "auth.logout_page",
        "auth.login_page",
        "auth_api.auth_logout",
        "auth_api.auth_me",
        "auth_api.openapi",
        "health.healthz",
        "health.readyz",
        "home.vendor",
        "home.favicon",
        "static",
    }
)


def _secret_key() -> str:
    return str(current_app.config["SECRET_KEY"])


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _required() -> bool:
    return _me().has_any_role(deps.settings().two_factor_roles)


def enrolment_gate() -> Any:
    """before_request: a signed-in user who must enrol reaches only the enrolment (and sign-out)."""
    if not current_user.is_authenticated or request.endpoint in ENROLMENT_OPEN:
        return None
    if request.endpoint and request.endpoint.endswith(".static"):
        return None
    if not twofactor.enrolment_required(_me(), deps.settings().two_factor_roles):
        return None
    if request.path.startswith("/api/"):
        return respond(
            403,
            "Your role signs in with two-factor sign-in: set it up at /account/2fa first.",
            code="two_factor_enrolment_required",
        )
    return redirect(url_for("account.two_factor_page"))


# -- the page ----------------------------------------------------------------------------------


class StartForm(FlaskForm):  # type: ignore[misc]
    pass


class ConfirmForm(FlaskForm):  # type: ignore[misc]
    otp = StringField("Code from the app", validators=[DataRequired(), Length(max=40)])


class TurnOffForm(FlaskForm):  # type: ignore[misc]
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=200)])
    otp = StringField("A code from the app, or a recovery code", validators=[DataRequired(), Length(max=40)])


def _render(status: int = 200, **context: Any) -> Any:
    user = _me()
    enrolment = context.pop("enrolment", None) or twofactor.pending_enrolment(user=user, secret_key=_secret_key())
    body = render_template(
        "account_2fa.html",
        user=user,
        required=_required(),
        enrolment=enrolment,
        qr=Markup(enrolment.qr_svg) if enrolment else None,  # noqa: S704 (our own SVG, made by qrcode)
        codes_left=twofactor.recovery_codes_left(session=db.session, user=user) if user.two_factor_on else 0,
        start_form=StartForm(),
        confirm_form=context.pop("confirm_form", None) or ConfirmForm(),
        off_form=context.pop("off_form", None) or TurnOffForm(),
        **context,
    )
    return body, status


@pages.route("/account/2fa", methods=["GET", "POST"])
@roles_required()
def two_factor_page() -> Any:
    if request.method == "GET":
        return _render()
    action = request.form.get("action")
    user = _me()
    try:
        if action == "start" and StartForm().validate_on_submit():
            enrolment = twofactor.start_enrolment(session=db.session, user=user, secret_key=_secret_key())
            db.session.commit()
            return _render(enrolment=enrolment)
        if action == "confirm":
            form = ConfirmForm()
            if not form.validate_on_submit():
                return _render(400, error="Type the 6-digit code the app shows.", confirm_form=form)
            codes = twofactor.confirm_enrolment(
                session=db.session, user=user, code=form.otp.data, secret_key=_secret_key(), by=Actor.of(user)
            )
            db.session.commit()
            return _render(recovery_codes=codes, done="Two-factor sign-in is on.")
        if action == "off":
            off_form = TurnOffForm()
            if not off_form.validate_on_submit():
                return _render(400, error="Type your password and a code.", off_form=off_form)
            _turn_off(user, password=off_form.password.data, code=off_form.otp.data)
            db.session.commit()
            return _render(done="Two-factor sign-in is off.")
    except DomainError as error:
        db.session.rollback()
        return _render(error.status, error=error.message)
    return _render(400, error="That form could not be read; try again.")


def _turn_off(user: User, *, password: str, code: str) -> None:
    if not user.two_factor_on:
        raise Conflict("Two-factor sign-in is off already.", code="two_factor_off")
    if _required():
        raise Conflict(
            "Your role signs in with two-factor sign-in: it cannot be turned off.", code="two_factor_required"
        )
    if not check_password_hash(user.password_hash, password) or not twofactor.check_second_factor(
        session=db.session, user=user, code=code, secret_key=_secret_key()
    ):
        raise DomainError(
            "That password and code do not match. Check both and try again.",
            fields={"password": "check the password", "otp": "check the code"},
            code="invalid_credentials",
        )
    twofactor.turn_off(session=db.session, user=user, by=Actor.of(user))


# -- the API -----------------------------------------------------------------------------------


class TwoFactorRead(BaseModel):
    enabled: bool
    required: bool
    pending: bool = Field(description="set up begun, not yet confirmed with a code")
    recovery_codes_left: int


class SetupRead(BaseModel):
    secret: str = Field(description="base32, for an app that cannot scan")
    otpauth_uri: str
    qr_svg: str = Field(description="the QR code of otpauth_uri, an SVG element")


class ConfirmIn(ApiModel):
    otp: str = Field(min_length=1, max_length=40)


class ConfirmedRead(BaseModel):
    enabled: bool
    recovery_codes: list[str] = Field(description="shown this once; each works once")


class TurnOffIn(ApiModel):
    password: str = Field(min_length=1, max_length=200)
    otp: str = Field(min_length=1, max_length=40)


def _status() -> TwoFactorRead:
    user = _me()
    return TwoFactorRead(
        enabled=user.two_factor_on,
        required=_required(),
        pending=not user.two_factor_on and user.totp_secret is not None,
        recovery_codes_left=twofactor.recovery_codes_left(session=db.session, user=user),
    )


@api.op("/account/2fa", "GET", roles=ANY_ROLE, response=TwoFactorRead, summary="My two-factor sign-in")
def two_factor_status() -> TwoFactorRead:
    return _status()


@api.op(
    "/account/2fa/setup",
    "POST",
    roles=ANY_ROLE,
    response=SetupRead,
    summary="Begin setting up two-factor sign-in: a new secret and its QR code",
)
def two_factor_setup() -> SetupRead:
    enrolment = twofactor.start_enrolment(session=db.session, user=_me(), secret_key=_secret_key())
    db.session.commit()
    return SetupRead(secret=enrolment.secret, otpauth_uri=enrolment.uri, qr_svg=enrolment.qr_svg)


@api.op(
    "/account/2fa/confirm",
    "POST",
    roles=ANY_ROLE,
    body=ConfirmIn,
    response=ConfirmedRead,
    summary="Turn two-factor sign-in on with a code from the app; the recovery codes, once",
)
def two_factor_confirm(*, body: ConfirmIn) -> ConfirmedRead:
    user = _me()
    codes = twofactor.confirm_enrolment(
        session=db.session, user=user, code=body.otp, secret_key=_secret_key(), by=Actor.of(user)
    )
    db.session.commit()
    return ConfirmedRead(enabled=True, recovery_codes=codes)


@api.op(
    "/account/2fa/disable",
    "POST",
    roles=ANY_ROLE,
    body=TurnOffIn,
    response=TwoFactorRead,
    summary="Turn two-factor sign-in off (password and a code)",
)
def two_factor_disable(*, body: TurnOffIn) -> TwoFactorRead:
    try:
        _turn_off(_me(), password=body.password, code=body.otp)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return _status()


def init_app(app: Flask) -> None:
    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.before_request(enrolment_gate)
