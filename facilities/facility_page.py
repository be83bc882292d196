"""`/facility`: a facility's own page. Its staff (role `facility`) see their facility's beds and
update them (two keystrokes a bed type), and the transports coming to them, live (incident
number, unit call sign, ETA, bed type: nothing else about the person). Dispatchers, supervisors
and admins open any facility's page from its chooser (`/facility?id=N`); dispatchers and admins
may report its beds too (CONTRACT: beds are reported by admin, dispatcher and the facility's own
users), a supervisor reads it. A facility user asking for another facility gets 403.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from core import deps
from core.auth import roles_required
from core.extensions import db
from core.roles import DISPATCHERS, Role
from facilities.models import BED_TYPES, Facility

pages = Blueprint(
    "facility_pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/facilities",
)

PAGE_ROLES = DISPATCHERS | {Role.FACILITY}
# Who may report beds on the page (the rest of DISPATCHERS, the supervisor, reads it).
BED_EDITORS = frozenset({Role.DISPATCHER, Role.ADMIN})

BED_WORDS = {
    "adult": "Adult beds",
    "youth": "Youth beds",
    "observation": "23-hour observation chairs",
    "detox": "Detox beds",
}


def _chosen_id() -> int | None:
    raw = request.args.get("id", "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        abort(404)
    return int(raw)


@pages.get("/facility")
@roles_required(*PAGE_ROLES)
def facility_page() -> Any:
    staff = current_user.has_any_role(DISPATCHERS)
    chosen = _chosen_id()
    facility = None
    if staff:
        choices = list(db.session.scalars(sa.select(Facility).where(Facility.active.is_(True)).order_by(Facility.name)))
        if chosen is not None:
            facility = db.session.get(Facility, chosen)
            if facility is None:
                abort(404)
        elif choices:
            facility = choices[0]
    else:
        choices = []
        own = current_user.facility_id
        if chosen is not None and chosen != own:
            abort(403)
        facility = db.session.get(Facility, own) if own is not None else None
    can_edit = facility is not None and (
        current_user.has_any_role(BED_EDITORS)
        or (current_user.has_any_role({Role.FACILITY}) and current_user.facility_id == facility.id)
    )
    settings = {
        "facilityId": facility.id if facility is not None else None,
        "canEdit": can_edit,
        "bedTypes": list(BED_TYPES),
        "bedWords": BED_WORDS,
        "staleS": deps.settings().facility_beds_stale_s,
        # Staff screens get every event (a jump in `seq` is a missed one); a facility user's
        # stream carries only their facility's.
        "gapless": staff,
    }
    return render_template(
        "facilities/facility.html",
        facility=facility,
        choices=choices,
        staff=staff,
        can_edit=can_edit,
        settings=settings,
    )
