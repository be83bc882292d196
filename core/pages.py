"""The home page, the page-side answer to 'not signed in', the data every page carries, vendor files."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from core.auth import roles_required
from core.errors import respond, wants_json
from core.roles import ADMINS, DISPATCHERS, INTAKE, REPORT_READERS, STAFF, Role
from dispatch.states import (
    ASSIGNED_STATUSES,
    OPEN_STATUSES,
    Availability,
    IncidentStatus,
    UnitStatus,
    unit_status_for,
)
from triage.questionnaire import DISPOSITION_LABELS

bp = Blueprint("home", __name__)

# The pages each role starts on, in order of preference: (label, path, roles). A page is linked
# only when the app has it (tests/integration/test_home_links.py opens every one, for every role).
ROLE_PAGES: list[tuple[str, str, frozenset[str]]] = [
    ("Dispatch board", "/dispatch", frozenset({Role.DISPATCHER, Role.ADMIN})),
    ("Call intake", "/operator", frozenset({Role.OPERATOR, Role.ADMIN})),
    ("Live map", "/map", frozenset({Role.SUPERVISOR, Role.ADMIN})),
    ("Find a call", "/calls", STAFF),
    ("My incident", "/field", frozenset({Role.FIELD})),
    ("Our beds and incoming transports", "/facility", frozenset({Role.FACILITY})),
    ("Reports", "/reports", REPORT_READERS),
    ("Shift hand-over", "/reports/shift", REPORT_READERS),
    ("Administration", "/admin", frozenset({Role.ADMIN})),
]


def unauthorized() -> Any:
    if wants_json():
        return respond(401, "Sign in first.", code="unauthorized")
    return redirect(url_for("auth.login_page", next=request.full_path.rstrip("?")))


@bp.get("/")
@roles_required()
def index() -> Any:
    roles = set(current_user.roles)
    links = [(label, path) for label, path, starts in ROLE_PAGES if roles & starts and page_exists(path)]
    return render_template("home.html", links=links)


def page_exists(path: str) -> bool:
    """Whether the app answers GET `path` with a page of its own (not a 404)."""
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except RequestRedirect:  # answered at the canonical address ("/admin" -> "/admin/")
        return True
    except HTTPException:
        return False
    return True


@functools.cache
def status_data() -> dict[str, Any]:
    """The state machine's statuses for the pages' scripts (core/static/lib/statuses.js)."""
    on_the_way = {UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE}
    words = [*IncidentStatus, *UnitStatus, *Availability]
    return {
        "incident": {status.name: status.value for status in IncidentStatus},
        "unit": {status.name: status.value for status in UnitStatus},
        "availability": {availability.name: availability.value for availability in Availability},
        "open": [status.value for status in IncidentStatus if status in OPEN_STATUSES],
        "onTheWay": [
            status.value
            for status in IncidentStatus
            if status in ASSIGNED_STATUSES and unit_status_for(status) in on_the_way
        ],
        "labels": {word.value: word.value.replace("_", " ") for word in words} | DISPOSITION_LABELS,
    }


# The role groups the templates show links and buttons for (core/roles.py), by name.
TEMPLATE_ROLES: dict[str, frozenset[str]] = {
    "INTAKE": INTAKE,
    "DISPATCHERS": DISPATCHERS,
    "STAFF": STAFF,
    "FIELD": frozenset({Role.FIELD}),
    "REPORT_READERS": REPORT_READERS,
    "ADMINS": ADMINS,
}


@bp.app_context_processor
def page_data() -> dict[str, Any]:
    """What every template may use: the statuses (base.html embeds them, so no script spells them
    itself) and the role groups (`current_user.has_any_role(roles.DISPATCHERS)`)."""
    return {"statuses": status_data(), "roles": TEMPLATE_ROLES}


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
    "chart.js": ("chart.js/dist", {"chart.umd.min.js", "chart.umd.min.js.map"}),
}
NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"


@bp.get("/favicon.ico")
def favicon() -> Any:
    """Browsers ask for /favicon.ico whatever the page says; answer with the page's icon."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/vendor/<library>/<path:filename>")
def vendor(library: str, filename: str) -> Any:
    entry = VENDOR_FILES.get(library)
    if entry is None or filename not in entry[1]:
        abort(404)
    return send_from_directory(NODE_MODULES / entry[0], filename, max_age=3600)
