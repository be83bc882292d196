"""The administration pages (`/admin`, admins only): users, units, facilities, the active
questionnaire and the audit trail.

The pages are shells, like the other staff pages: their scripts (admin/static/) read and change
everything through the JSON API (`/api/v1/users`, `/units`, `/facilities`, `/triage/…`,
`/audit`), with the page's CSRF token in the `X-CSRFToken` header. So every rule (the last
admin, a call sign taken, a password too short) and every audit entry lives in one place, the
API, and the page shows the API's own words beside the field they are about. Nothing is posted
to the page itself, so a reload never sends a form twice.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request

from core.auth import roles_required
from core.errors import NotFound
from core.extensions import db
from core.models import AuditEntry, User
from core.roles import ADMINS, ROLES
from dispatch.models import Unit
from dispatch.states import UnitStatus
from facilities.models import FACILITY_KINDS, Facility
from mapview.pages import map_extent
from triage import service as triage_service
from triage.views import current_catalogue

pages = Blueprint(
    "admin_pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/admin",
)

# The sections of /admin, in the order of the index and of the pages' own menu: (endpoint, title,
# what it is for).
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("admin_pages.users", "Users", "Who may sign in, with which roles; tie a user to a unit or a facility."),
    ("admin_pages.units", "Units", "Call signs, phones, languages, youth, home base; on or off duty."),
    ("admin_pages.facilities", "Facilities", "Where teams take a person: kind, address, what they accept, beds."),
    ("admin_pages.questionnaire", "Questionnaire", "The triage questionnaire operators use, and its questions."),
    ("admin_pages.audit", "Audit trail", "Who saw or changed which record, when; export as CSV."),
)

# What each role may do, in words, beside its checkbox on the users page.
ROLE_WORDS: dict[str, str] = {
    "operator": "takes calls",
    "dispatcher": "runs the board, assigns units",
    "supervisor": "watches the shift, reads the audit trail",
    "field": "rides with a unit",
    "facility": "staff of a facility (beds, incoming)",
    "admin": "manages users, units, facilities",
}
# The audit search form's fields, as GET /api/v1/audit names them.
AUDIT_SEARCH = ("user", "action", "record_type", "record_id", "from", "to")
BED_TYPES = ("adult", "youth", "observation", "detox")
KIND_WORDS: dict[str, str] = {
    "crisis_receiving": "crisis receiving center",
    "stabilization": "crisis stabilization unit",
    "detox": "detox / withdrawal management",
    "hospital_ed": "hospital emergency department",
    "respite": "peer respite",
    "shelter": "shelter",
}


def known_roles() -> list[str]:
    """The roles a user may be given, in CONTRACT order (core.roles: `facility` once it has it)."""
    return list(ROLES)


def facility_choices(*, session: Any) -> list[tuple[int, str]]:
    """Every facility a user may be tied to, by name: (id, name)."""
    return [(int(f.id), str(f.name)) for f in session.scalars(sa.select(Facility).order_by(Facility.name))]


def map_settings() -> dict[str, Any]:
    config = current_app.config
    return {
        "tileUrl": config.get("MAP_TILE_URL") or "",
        "tileAttribution": config.get("MAP_TILE_ATTRIBUTION") or "",
        "extent": map_extent(session=db.session),
    }


def counted(n: int, word: str, words: str = "") -> str:
    """'1 unit', '2 units' ('1 facility', '2 facilities' with `words`)."""
    return f"{n} {word if n == 1 else words or word + 's'}"


def overview(*, session: Any) -> dict[str, str]:
    """One line of figures per section of the index."""
    users = session.scalar(sa.select(sa.func.count(User.id))) or 0
    disabled = session.scalar(sa.select(sa.func.count(User.id)).where(User.active.is_(False))) or 0
    units = session.scalar(sa.select(sa.func.count(Unit.id))) or 0
    off = session.scalar(sa.select(sa.func.count(Unit.id)).where(Unit.status == UnitStatus.OFF_DUTY.value)) or 0
    facilities = session.scalar(sa.select(sa.func.count(Facility.id)).where(Facility.active.is_(True))) or 0
    active = triage_service.active_questionnaire(session=session, catalogue=current_catalogue())
    return {
        "admin_pages.users": counted(users, "user") + (f", {disabled} disabled" if disabled else ""),
        "admin_pages.units": counted(units, "unit") + f", {units - off} on duty",
        "admin_pages.facilities": counted(facilities, "facility", "facilities"),
        "admin_pages.questionnaire": f"In use: {active.id}, version {active.version}",
    }


@pages.get("/admin")
@roles_required(*ADMINS)
def index() -> Any:
    return render_template("admin/index.html", sections=SECTIONS, figures=overview(session=db.session))


@pages.get("/admin/users")
@roles_required(*ADMINS)
def users() -> Any:
    roles = known_roles()
    facilities = facility_choices(session=db.session)
    settings = {"roles": roles, "facilities": {str(id_): name for id_, name in facilities}}
    return render_template(
        "admin/users.html",
        sections=SECTIONS,
        role_names=roles,
        role_words=ROLE_WORDS,
        facilities=facilities,
        settings=settings,
    )


@pages.get("/admin/units")
@roles_required(*ADMINS)
def units() -> Any:
    return render_template("admin/units.html", sections=SECTIONS, settings=map_settings())


@pages.get("/admin/facilities")
@roles_required(*ADMINS)
def facilities() -> Any:
    settings = map_settings() | {"kinds": KIND_WORDS, "bedTypes": list(BED_TYPES)}
    kinds = [(kind, KIND_WORDS.get(kind, kind.replace("_", " "))) for kind in FACILITY_KINDS]
    return render_template(
        "admin/facilities.html", sections=SECTIONS, kinds=kinds, bed_types=BED_TYPES, settings=settings
    )


@pages.get("/admin/questionnaire")
@roles_required(*ADMINS)
def questionnaire() -> Any:
    """The active questionnaire and its questions; `?id=&version=` shows another of the catalogue
    (to read it before making it the active one)."""
    catalogue = current_catalogue()
    active = triage_service.active_questionnaire(session=db.session, catalogue=catalogue)
    shown = active
    wanted, version = request.args.get("id", ""), request.args.get("version", "")
    if wanted:
        found = catalogue.get((wanted, int(version))) if version.isdigit() else None
        if found is None:
            raise NotFound("There is no such questionnaire in the catalogue. Choose one from the list.")
        shown = found
    choices = sorted(catalogue.values(), key=lambda q: (q.id, q.version))
    return render_template("admin/questionnaire.html", sections=SECTIONS, active=active, shown=shown, choices=choices)


def recent_words(*, session: Any, column: Any, recent: int = 5000) -> list[str]:
    """The distinct values of an audit column among the latest `recent` entries (the search
    form's suggestions; bounded, so a long trail costs no full scan)."""
    latest = sa.select(column.label("word")).order_by(AuditEntry.id.desc()).limit(recent).subquery()
    return list(session.scalars(sa.select(latest.c.word).distinct().order_by(latest.c.word)))


@pages.get("/admin/audit")
@roles_required(*ADMINS)
def audit() -> Any:
    # The entries themselves are read by the page's script through GET /api/v1/audit (which
    # audits the read); the search is the page's address.
    given = {name: request.args.get(name, "") for name in AUDIT_SEARCH}
    return render_template(
        "admin/audit.html",
        sections=SECTIONS,
        given=given,
        actions=recent_words(session=db.session, column=AuditEntry.action),
        record_types=recent_words(session=db.session, column=AuditEntry.record_type),
    )
