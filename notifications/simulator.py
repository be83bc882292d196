"""`/sms`: the simulator of the console sender. Texts to the teams show here, and a dispatcher
answers as any unit's phone; with Twilio configured it does not exist (404)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from core import deps
from core.auth import roles_required
from core.extensions import db
from core.roles import DISPATCHERS
from dispatch.models import Unit
from notifications.inbound import handle_inbound
from notifications.models import ConsoleMessageRow, InboundMessage
from notifications.sending import console_active

bp = Blueprint("sms_simulator", __name__, template_folder="templates")


def _require_console() -> None:
    if not console_active(current_app._get_current_object()):  # type: ignore[attr-defined]
        abort(404)


@bp.get("/sms")
@roles_required(*DISPATCHERS)
def simulator() -> Any:
    _require_console()
    sent = list(db.session.scalars(sa.select(ConsoleMessageRow).order_by(ConsoleMessageRow.id.desc()).limit(300)))
    replies = list(db.session.scalars(sa.select(InboundMessage).order_by(InboundMessage.id.desc()).limit(300)))
    units = list(db.session.scalars(sa.select(Unit).order_by(Unit.call_sign)))
    owner = {phone: unit.call_sign for unit in units for phone in (unit.phones or [])}
    threads: dict[str, list[dict[str, Any]]] = {}
    for row in sent:
        threads.setdefault(row.to, []).append({"at": row.at, "direction": "to the team", "body": row.body})
    for reply in replies:
        items = threads.setdefault(reply.from_number, [])
        items.append({"at": reply.received_at, "direction": "from the team", "body": reply.body})
        if reply.reply:
            items.append({"at": reply.received_at, "direction": "answer", "body": reply.reply})
    for items in threads.values():
        items.sort(key=lambda item: item["at"], reverse=True)
    phones = [(phone, call_sign) for phone, call_sign in owner.items()]
    # "Answer as" starts on the unit that got the latest text: the one expected to answer.
    latest = next((row.to for row in sent if row.to in owner), None)
    return render_template("notifications/simulator.html", threads=threads, owner=owner, phones=phones, selected=latest)


@bp.post("/sms/simulate")
@roles_required(*DISPATCHERS)
def simulate_reply() -> Any:
    _require_console()
    phone = request.form.get("phone", "")
    body = request.form.get("body", "")
    if not phone or not body.strip():
        flash("Choose a phone and write the text.", "error")
        return redirect(url_for("sms_simulator.simulator"))
    outcome = handle_inbound(
        session=db.session,
        bus=deps.bus(),
        message_sid=f"SIM{uuid.uuid4().hex}",
        from_number=phone,
        to_number=str(current_app.config.get("TWILIO_FROM_NUMBER") or "console"),
        body=body,
    )
    db.session.commit()
    flash(f"Answer: {outcome.reply}" if outcome.reply else "No answer (opt-out recorded).", "ok")
    return redirect(url_for("sms_simulator.simulator"))
