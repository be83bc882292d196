"""The dispatcher's page: queue, recommendations, one-action assign, the incident's detail and
actions (cancel, return to queue, a move on behalf of a unit, the outcome, a corrected location),
and the unit board."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template

from core.auth import roles_required
from core.extensions import db
from core.roles import DISPATCHERS
from dispatch.crew import CREW_ROLES, CrewPerson, crew_words
from dispatch.models import Unit
from dispatch.states import INCIDENT_TRANSITIONS, OPEN_STATUSES, IncidentStatus, Outcome, outcomes_for
from facilities.models import Facility
from mapview.pages import map_extent

pages = Blueprint(
    "dispatch_pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/dispatch",
)

# Moves with a form of their own (cancel needs a reason, a return to the queue releases the unit):
# the "status on behalf of a unit" form offers the others.
_OWN_FORMS = frozenset({IncidentStatus.PENDING, IncidentStatus.CANCELLED})


def board_moves() -> dict[str, list[str]]:
    """For each status, the moves a dispatcher may enter for the unit, in the lifecycle's order."""
    order = list(IncidentStatus)
    return {
        status.value: [t.value for t in sorted(INCIDENT_TRANSITIONS[status] - _OWN_FORMS, key=order.index)]
        for status in IncidentStatus
    }


def board_outcomes() -> dict[str, list[str]]:
    """For each status that can clear, the outcomes that fit (dispatch.states.outcomes_for); under
    "cleared", every outcome (recorded after a clear that came without one)."""
    order = list(Outcome)
    fitting = {s.value: [o.value for o in sorted(outcomes_for(s), key=order.index)] for s in OPEN_STATUSES}
    return {**{s: o for s, o in fitting.items() if o}, IncidentStatus.CLEARED.value: [o.value for o in Outcome]}


def requeue_from() -> list[str]:
    """The statuses an incident may go back to the queue from (its unit is released)."""
    back = IncidentStatus.PENDING
    return [s.value for s in IncidentStatus if s is not back and back in INCIDENT_TRANSITIONS[s]]


def destinations(*, session: Any) -> list[dict[str, Any]]:
    """The active facilities a team may take a person to, by name: the transport form's choices
    (until the facilities API of issue 13, the board reads them here)."""
    rows = session.scalars(sa.select(Facility).where(Facility.active.is_(True)).order_by(Facility.name))
    return [{"id": f.id, "name": f.name, "kind": f.kind} for f in rows]


@pages.app_template_filter("crew")
def crew_of(unit: Unit) -> str:
    """A unit's crew in words for a page ("Dana Reyes (clinician), Sam Ortiz (peer specialist)");
    empty when nobody is recorded."""
    return crew_words([CrewPerson(m.name, m.crew_role) for m in unit.crew]) if unit.crew else ""


@pages.get("/dispatch")
@roles_required(*DISPATCHERS)
def dispatch_board() -> Any:
    config = current_app.config
    return render_template(
        "dispatch/board.html",
        settings={
            "pendingSlaS": int(config["PENDING_SLA_S"]),
            "ackRepageS": int(config["ACK_REPAGE_AFTER_S"]),
            "positionStaleS": int(config["POSITION_STALE_S"]),
            "tileUrl": config.get("MAP_TILE_URL") or "",
            "tileAttribution": config.get("MAP_TILE_ATTRIBUTION") or "",
            # Where the map for picking an incident's place opens (no city is built in).
            "extent": map_extent(session=db.session),
            "moves": board_moves(),
            "outcomes": board_outcomes(),
            "requeueFrom": requeue_from(),
            "facilities": destinations(session=db.session),
            "crewRoles": [{"value": value, "label": label} for value, label in CREW_ROLES.items()],
        },
    )
