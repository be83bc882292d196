"""The supervisor's pages: `/reports` (the figures of a chosen period, with charts, fetched from the
reports API by reports/static/reports.js) and `/reports/shift` (the printable hand-over).

The picker's periods are worked out on the server in TIMEZONE (reports/picker.py); the shift is
SHIFT_STARTS's (reports/shifts.py). Both pages are for supervisors and admins (REPORT_READERS).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from flask_login import current_user

from core import deps
from core.audit import audit
from core.auth import roles_required
from core.clock import now as clock_now
from core.extensions import db
from core.ports import current_ports
from core.roles import REPORT_READERS
from reports import service
from reports.handover import handover
from reports.periods import Period
from reports.picker import chosen, report_periods
from reports.shifts import Shift, parse_shift_starts, shift_at

pages = Blueprint(
    "reports_pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/reports",
)


def _shift_of(now: datetime) -> tuple[Shift, ZoneInfo]:
    settings = deps.settings()
    zone = ZoneInfo(settings.timezone)
    return shift_at(now, starts=parse_shift_starts(settings.shift_starts), zone=zone), zone


@pages.get("/reports")
@roles_required(*REPORT_READERS)
def reports_page() -> Any:
    settings = deps.settings()
    now = clock_now()
    shift, zone = _shift_of(now)
    areas = current_ports().areas
    targets = service.arrival_targets(settings)
    today = now.astimezone(zone).date()
    page = {
        "periods": report_periods(now, zone=zone, shift=shift),
        "timezone": settings.timezone,
        "areas": [{"name": a.name, "rural": a.rural} for a in areas.areas],
        "targets": {
            "emergent": targets.emergent_s,
            "emergent_rural": targets.emergent_rural_s,
            "urgent": targets.urgent_s,
            "routine": targets.routine_s,
        },
    }
    return render_template(
        "reports/reports.html",
        settings=page,
        chosen=chosen(request.args, today=today, areas=areas.names),
        areas=page["areas"],
        today=today.isoformat(),
    )


@pages.get("/reports/shift")
@roles_required(*REPORT_READERS)
def shift_page() -> Any:
    """The hand-over: this shift (or, with ?shift=previous, the one before it) and the state now."""
    settings = deps.settings()
    now = clock_now()
    current, zone = _shift_of(now)
    previous = shift_at(
        current.start - timedelta(seconds=1), starts=parse_shift_starts(settings.shift_starts), zone=zone
    )
    which = "previous" if request.args.get("shift") == "previous" else "current"
    shift = previous if which == "previous" else current
    state = handover(session=db.session, now=now, timers=settings.timers)
    filters = service.report_filters(
        priority=None, area=None, areas=current_ports().areas, targets=service.arrival_targets(settings)
    )
    figures = service.summary(session=db.session, period=Period(start=shift.start, end=shift.end), filters=filters)
    # The page names incidents (their place and category) and the calls owed a follow-up: one
    # audited view of each list, as the board's and the follow-up queue's are.
    audit(
        session=db.session,
        user=current_user,
        action="view",
        record_type="incident_list",
        detail={
            "incident_ids": [i.id for i in [*state.incidents, *state.needs_outcome]],
            "via": "GET /reports/shift",
        },
    )
    if state.followups:
        audit(
            session=db.session,
            user=current_user,
            action="view",
            record_type="followup_list",
            detail={
                "followup_ids": [f.id for f in state.followups],
                "call_ids": sorted({f.call_id for f in state.followups if f.call_id is not None}),
                "via": "GET /reports/shift",
            },
        )
    db.session.commit()
    return render_template(
        "reports/shift.html",
        shift=shift,
        which=which,
        current=current,
        previous=previous,
        zone=zone,
        timezone=settings.timezone,
        now=now,
        state=state,
        figures=figures,
        targets=service.arrival_targets(settings),
        shift_starts=", ".join(f"{t:%H:%M}" for t in parse_shift_starts(settings.shift_starts)),
    )
