"""The home page and the page-side answer to 'not signed in'."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from core.auth import roles_required
from core.errors import respond, wants_json

bp = Blueprint("home", __name__)

# Which page each role starts on, in order of preference.
ROLE_PAGES = [
    ("dispatcher", "Dispatch board", "/dispatch"),
    ("operator", "Call intake", "/operator"),
    ("supervisor", "Live map", "/map"),
    ("field", "My incident", "/field"),
    ("admin", "Administration", "/admin"),
]


def unauthorized() -> Any:
    if wants_json():
        return respond(401, "Sign in first.", code="unauthorized")
    return redirect(url_for("auth.login_page", next=request.full_path.rstrip("?")))


@bp.get("/")
@roles_required()
def index() -> Any:
    links = [(label, href) for role, label, href in ROLE_PAGES if role in current_user.roles]
    return render_template("home.html", links=links)
