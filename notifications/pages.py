"""Pages: `/field/<signed link>` for a team's phone, `/field` for a signed-in field user, and the
`/sms` simulator of the console sender.

The field page needs no sign-in: the signed link is the credential, for one unit and one
incident, and it works only while that unit is still assigned to that incident (checked on every
request, so a link stops working when the incident is cancelled or reassigned). Once the unit
cleared the incident, the link opens a thank-you page instead, with the outcome form until the
outcome is recorded; nothing else can be done through it then.
Its forms carry the CSRF token of the page's own session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from core import deps
from core.actors import Actor
from core.api import json_too_deep
from core.audit import audit
from core.auth import roles_required
from core.db import end_reads
from core.errors import Conflict, DomainError
from core.extensions import db
from core.ports import current_ports
from core.roles import Role
from dispatch import service as incidents
from dispatch import units
from dispatch.models import Incident, Unit
from dispatch.notes import NOTE_MAX, add_note
from dispatch.states import ASSIGNED_STATUSES, INCIDENT_TRANSITIONS, IncidentStatus, outcomes_for
from facilities.destinations import accepted_count, read_destinations
from facilities.destinations import rank as rank_destinations
from facilities.models import Facility
from facilities.rank import Destination
from notifications.field_details import FieldDetails, field_details, outcomes_after_clear
from notifications.links import make_field_token, read_field_token
from notifications.outbox import incident_category
from triage.phones import phone_words

log = logging.getLogger(__name__)

bp = Blueprint(
    "sms_pages", __name__, template_folder="templates", static_folder="static", static_url_path="/static/notifications"
)
# `{{ number|phone }}` in any template: "(802) 555-0100", the way the board and call page show it.
bp.add_app_template_filter(phone_words, "phone")

# A link still opens after its unit cleared the incident: to thank the team and take the outcome.
# The field page lists the best destinations only (a phone screen; dispatch has the whole list).
FIELD_DESTINATIONS = 20
AFTER_CLEAR = frozenset({IncidentStatus.CLEARED, IncidentStatus.CLOSED})
STATUS_BUTTONS = [
    (IncidentStatus.ACKNOWLEDGED, "Acknowledge"),
    (IncidentStatus.EN_ROUTE, "En route"),
    (IncidentStatus.ON_SCENE, "On scene"),
    (IncidentStatus.AT_FACILITY, "Arrived at facility"),
]


def _linked(token: str) -> tuple[Any, Any] | None:
    """The incident and unit a genuine, unexpired link names, while that unit is still the
    incident's (its unit is kept after a clear); else None."""
    link = read_field_token(secret_key=str(current_app.config["SECRET_KEY"]), token=token)
    if link is None:
        return None
    incident = db.session.get(Incident, link.incident_id)
    unit = db.session.get(Unit, link.unit_id)
    if incident is None or unit is None or incident.unit_id != unit.id:
        return None
    return incident, unit


def field_incident(token: str) -> tuple[Any, Any] | None:
    """The incident and unit a link names, while the response is under way; else None."""
    found = _linked(token)
    if found is None or IncidentStatus(found[0].status) not in ASSIGNED_STATUSES:
        return None
    return found


def cleared_incident(token: str) -> tuple[Any, Any] | None:
    """The incident and unit a link names once that unit cleared it (cleared, or closed since)."""
    found = _linked(token)
    if found is None or IncidentStatus(found[0].status) not in AFTER_CLEAR:
        return None
    return found


def _closed() -> Any:
    message = "This link no longer works: the incident is closed, or was given to another team. Call your dispatcher."
    return render_template("notifications/field_closed.html", message=message), 410


def _gone(token: str) -> Any:
    """A form sent through a link that no longer moves anything: after the team's own clear (a
    second tap on Clear, a page left open) the thank-you page; otherwise the error."""
    return _back(token) if cleared_incident(token) is not None else _closed()


def _actor(unit: Any) -> Actor:
    return Actor.system(f"field:{unit.call_sign}")


@bp.get("/field")
@roles_required(Role.FIELD)
def field_index() -> Any:
    """A signed-in field user's start page: their unit's current incident, linked to its field page."""
    unit = db.session.get(Unit, current_user.unit_id) if current_user.unit_id is not None else None
    incident, link = None, None
    if unit is not None and unit.incident_id is not None:
        incident = db.session.get(Incident, unit.incident_id)
    if incident is not None and unit is not None:
        # The same test as the link itself (field_incident): assigned to this unit, still under way.
        if incident.unit_id == unit.id and IncidentStatus(incident.status) in ASSIGNED_STATUSES:
            secret_key = str(current_app.config["SECRET_KEY"])
            token = make_field_token(secret_key=secret_key, incident_id=incident.id, unit_id=unit.id)
            link = url_for("sms_pages.field_page", token=token)
        else:
            incident = None
    return render_template(
        "notifications/field_index.html", unit=unit, incident=incident, link=link, owed=_outcomes_owed(unit)
    )


def _outcomes_owed(unit: Any) -> list[tuple[Any, str]]:
    """The incidents this unit cleared without an outcome, newest first, each with the link to its
    outcome form (the same link the SMS answer to a bare `4` carries)."""
    if unit is None:
        return []
    cleared = db.session.scalars(
        sa.select(Incident)
        .where(Incident.unit_id == unit.id, Incident.status.in_(list(AFTER_CLEAR)), Incident.outcome.is_(None))
        .order_by(Incident.id.desc())
    ).all()
    secret_key = str(current_app.config["SECRET_KEY"])
    return [
        (found, url_for("sms_pages.field_page", _anchor="record-outcome",
                        token=make_field_token(secret_key=secret_key, incident_id=found.id, unit_id=unit.id)))
        for found in cleared
    ]  # fmt: skip


def _audit_view(incident: Any, unit: Any, details: FieldDetails) -> None:
    audit(session=db.session, user=None, action="field_view", record_type="incident", record_id=incident.id,
          actor=_actor(unit).name)  # fmt: skip
    if details.call_id is not None:  # the call's narrative and callback, or its safety history
        detail: dict[str, Any] = {"incident_id": incident.id}
        if details.history_call_ids:
            detail["history_call_ids"] = details.history_call_ids
        audit(session=db.session, user=None, action="field_view", record_type="call", record_id=details.call_id,
              actor=_actor(unit).name, detail=detail)  # fmt: skip


@bp.get("/field/<token>")
def field_page(token: str) -> Any:
    found = field_incident(token)
    if found is None:
        cleared = cleared_incident(token)
        return _thank_you(token, *cleared) if cleared is not None else _closed()
    incident, unit = found
    current = IncidentStatus(incident.status)
    allowed = INCIDENT_TRANSITIONS[current]
    details = field_details(session=db.session, incident=incident, settings=deps.settings())
    _audit_view(incident, unit, details)
    db.session.commit()
    ranked = _destinations(incident) if IncidentStatus.TRANSPORTING in allowed else None
    return render_template(
        "notifications/field.html",
        token=token,
        incident=incident,
        unit=unit,
        details=details,
        category=incident_category(incident),
        flags=list(incident.flags or []),
        callback=current_app.config.get("SMS_CALLBACK_NUMBER") or current_app.config.get("TWILIO_FROM_NUMBER") or "",
        buttons=[(status.value, label) for status, label in STATUS_BUTTONS if status in allowed],
        can_clear=IncidentStatus.CLEARED in allowed,
        can_decline=IncidentStatus.PENDING in allowed,
        outcomes=sorted(outcome.value for outcome in outcomes_for(current)),
        destinations=ranked.destinations if ranked else None,
        bed_type=ranked.bed_type if ranked else None,
        located=ranked.located if ranked else True,
        left_off=ranked.left_off if ranked else 0,
        facility=db.session.get(Facility, incident.facility_id) if incident.facility_id is not None else None,
        note_max=NOTE_MAX,
    )


@dataclass(frozen=True)
class _Ranked:
    destinations: list[Destination]
    bed_type: str
    located: bool
    left_off: int = 0


def _destinations(incident: Any) -> _Ranked:
    """The incident's destinations, ranked as the API ranks them (facilities.destinations); read
    first, then ranked with no transaction open (the router may be a network service)."""
    ports = current_ports()
    query = read_destinations(
        session=db.session,
        incident_id=incident.id,
        now=ports.clock(),
        stale_after_s=deps.settings().facility_beds_stale_s,
    )
    end_reads(db.session)
    ranked = rank_destinations(query, router=ports.router, limit=FIELD_DESTINATIONS)
    left_off = max(0, accepted_count(query) - len(ranked))
    return _Ranked(ranked, bed_type=query.person.needed_bed_type, located=query.person.located, left_off=left_off)


def _thank_you(token: str, incident: Any, unit: Any) -> Any:
    """After the team cleared: thanks, and the outcome form until the outcome is recorded."""
    audit(session=db.session, user=None, action="field_view", record_type="incident", record_id=incident.id,
          actor=_actor(unit).name)  # fmt: skip
    db.session.commit()
    return render_template(
        "notifications/field_done.html",
        token=token,
        incident=incident,
        unit=unit,
        outcomes=outcomes_after_clear(session=db.session, incident=incident) if incident.outcome is None else [],
    )


def _back(token: str, anchor: str | None = None) -> Any:
    return redirect(url_for("sms_pages.field_page", token=token, _anchor=anchor))


def _attempt(token: str, change: Callable[[], object], *, anchor: str | None = None, quiet: bool = False) -> Any:
    """Run one change and commit it: None. A refusal rolls back and goes back to the page, which
    says why (`quiet`: a Conflict says nothing, the page shows what is recorded now)."""
    try:
        change()
    except DomainError as error:
        db.session.rollback()
        if not (quiet and isinstance(error, Conflict)):
            flash(error.message, "error")
        return _back(token, anchor)
    db.session.commit()
    return None


@bp.post("/field/<token>/outcome")
def field_outcome(token: str) -> Any:
    """The outcome of an incident the team cleared without one (by SMS `4`), recorded once."""
    found = cleared_incident(token)
    if found is None:
        return _closed()
    incident, unit = found
    outcome = request.form.get("outcome") or ""
    police = request.form.get("police_present")
    if not outcome or police not in ("yes", "no"):
        flash("Choose the outcome and say whether police were on scene.", "error")
        return _back(token)
    # A second tap, a second phone or the dispatcher may have recorded it meanwhile (409): the
    # page then shows what was recorded, with no error.
    refused = _attempt(token, lambda: incidents.record_outcome(session=db.session, incident_id=incident.id,
                       outcome=outcome, police_present=police == "yes", by=_actor(unit), bus=deps.bus()),
                       quiet=True)  # fmt: skip
    return refused or _back(token)


@bp.post("/field/<token>/notes")
def field_note(token: str) -> Any:
    found = field_incident(token)
    if found is None:
        return _gone(token)
    incident, unit = found
    text = request.form.get("text", "")
    refused = _attempt(token, lambda: add_note(session=db.session, incident=incident, text=text, by=_actor(unit)),
                       anchor="notes")  # fmt: skip
    if refused is not None:
        return refused
    flash("Note added.", "ok")
    return _back(token, "notes")


@bp.post("/field/<token>/transport")
def field_transport(token: str) -> Any:
    """Transport starts, to the facility chosen: `transporting` with its `facility_id`."""
    found = field_incident(token)
    if found is None:
        return _gone(token)
    incident, unit = found
    chosen = request.form.get("facility_id", "")
    if not chosen.isdigit():
        flash("Choose where you take the person.", "error")
        return _back(token)
    if len(chosen) > 9:  # no facility has such an id (and the database's integer would overflow)
        flash("That facility is not known: choose one of the destinations listed.", "error")
        return _back(token)
    if incident.status == IncidentStatus.TRANSPORTING and incident.facility_id == int(chosen):
        return _back(token)  # a second tap on the same button: the transport is already recorded
    refused = _attempt(token, lambda: incidents.move_incident(session=db.session, incident_id=incident.id,
                       status=IncidentStatus.TRANSPORTING.value, facility_id=int(chosen), by=_actor(unit),
                       note="field page", bus=deps.bus()))  # fmt: skip
    if refused is not None:
        return refused
    facility = db.session.get(Facility, int(chosen))
    flash(f"Recorded: transporting to {facility.name if facility else 'the facility'}.", "ok")
    return _back(token)


@bp.post("/field/<token>/status")
def field_status(token: str) -> Any:
    found = field_incident(token)
    if found is None:
        return _gone(token)
    incident, unit = found
    status = request.form.get("status", "")
    outcome = request.form.get("outcome") or None
    police = request.form.get("police_present")
    if status == IncidentStatus.CLEARED and (not outcome or police not in ("yes", "no")):
        # The encounter's record needs both; a guess here would end up in the figures.
        flash("To clear, choose the outcome and say whether police were on scene.", "error")
        return _back(token)
    cleared = status == IncidentStatus.CLEARED
    refused = _attempt(token, lambda: incidents.move_incident(session=db.session, incident_id=incident.id,
                       status=status, by=_actor(unit), outcome=outcome if cleared else None,
                       police_present={"yes": True, "no": False}.get(police or "") if cleared else None,
                       note="field page", bus=deps.bus()))  # fmt: skip
    if refused is not None:
        return refused
    flash(f"Recorded: {status.replace('_', ' ')}.", "ok")
    return _back(token)


@bp.post("/field/<token>/decline")
def field_decline(token: str) -> Any:
    found = field_incident(token)
    if found is None:
        return _gone(token)
    incident, unit = found
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        flash("Say why you decline, so the dispatcher can plan.", "error")
        return _back(token)
    refused = _attempt(token, lambda: incidents.return_to_queue(session=db.session, incident_id=incident.id,
                       reason=reason, by=_actor(unit), bus=deps.bus()))  # fmt: skip
    if refused is not None:
        return refused
    return render_template("notifications/field_closed.html", message="Declined. The dispatcher has been told."), 200


@bp.post("/field/<token>/position")
def field_position(token: str) -> Any:
    found = field_incident(token)
    if found is None:
        return jsonify({"error": {"code": "link_expired", "message": "This link no longer works."}}), 410
    _, unit = found
    # Checked before parsing: a deeply nested body made the JSON decoder raise RecursionError.
    data = {} if json_too_deep(request.get_data(cache=True)) else request.get_json(silent=True) or {}
    lat, lon, accuracy = data.get("lat"), data.get("lon"), data.get("accuracy_m")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon)):
        lat = lon = None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return jsonify({"error": {"code": "validation_failed", "message": "Latitude and longitude are needed."}}), 422
    units.record_position(
        session=db.session,
        unit_id=unit.id,
        lat=float(lat),
        lon=float(lon),
        accuracy_m=float(accuracy) if isinstance(accuracy, int | float) else None,
        by=_actor(unit),
        source="field_link",
        bus=deps.bus(),
    )
    db.session.commit()
    return jsonify({"ok": True, "unit_id": unit.id})
