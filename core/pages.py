"""The home page and the page-side answer to 'not signed in'."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, send_from_directory, url_for
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


# Front-end libraries installed by `npm ci` from package.json, served by the app (no CDN).
VENDOR_FILES = {
    "leaflet": (
        "leaflet/dist",
        {
            "leaflet.js",
            "leaflet.css",
            "images/marker-icon.png",
            "images/marker-icon-2x.png",
            "images/marker-shadow.png",
            "images/layers.png",
            "images/layers-2x.png",
        },
    ),
    "socket.io": ("socket.io-client/dist", {"socket.io.min.js", "socket.io.min.js.map"}),
}
NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"


@bp.get("/vendor/<library>/<path:filename>")
def vendor(library: str, filename: str) -> Any:
    entry = VENDOR_FILES.get(library)
    if entry is None or filename not in entry[1]:
        abort(404)
    return send_from_directory(NODE_MODULES / entry[0], filename, max_age=3600)
