"""Twilio's webhooks: `/sms/inbound` (texts from teams) and `/sms/status` (delivery callbacks).

Both are signed by Twilio (`X-Twilio-Signature`, twilio's own RequestValidator) over the URL
Twilio called, which is `PUBLIC_BASE_URL` + path + query: behind a proxy `request.url` names the
proxy's view of the host, so it is never used. A missing or bad signature is 403. With the
console sender the signing token is `SMS_WEBHOOK_TOKEN`, or one derived from SECRET_KEY.
CSRF does not apply (Twilio has no session); the signature is the proof.

Fields are bounded to their columns after the signature is checked. Control characters (a NUL
answered 500 on PostgreSQL) are stripped, not refused: refusing would lose a team's text, which
cannot be asked for again (core.text refuses them everywhere else). A `MessageSid` longer than we
keep, or a `From`/`To` longer than a phone number column, is refused with 400: truncating would make
a different SID (two texts as one) or a different number (an opt-out for someone else).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from core import deps
from core.clock import now
from core.extensions import csrf, db
from core.schemas import ID_MAX
from core.text import strip_controls
from notifications.inbound import handle_inbound
from notifications.models import FINAL_STATUSES, OutboundMessage
from notifications.outbox import record_message_event, sender_label
from notifications.relay import raise_sms_failed
from notifications.senders import classify_twilio_error, describe_twilio_error

log = logging.getLogger(__name__)

bp = Blueprint("sms_webhooks", __name__)

# How far along a message is; a callback never moves a message back.
_RANK = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "undelivered": 3, "failed": 3}
# Twilio's MessageStatus values, in our words.
_TWILIO_STATUS = {
    "accepted": "sent",
    "scheduled": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}


def webhook_token(config: Any) -> str:
    if config.get("TWILIO_AUTH_TOKEN"):
        return str(config["TWILIO_AUTH_TOKEN"])
    if config.get("SMS_WEBHOOK_TOKEN"):
        return str(config["SMS_WEBHOOK_TOKEN"])
    secret = str(config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"twilio-webhook", hashlib.sha256).hexdigest()


def public_url(path_and_query: str) -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/") + path_and_query


def sign(url: str, params: dict[str, str], token: str) -> str:
    """The signature Twilio would send (used by the simulator and by tests)."""
    return str(RequestValidator(token).compute_signature(url, params))


def _require_signature() -> None:
    signature = request.headers.get("X-Twilio-Signature", "")
    query = request.query_string.decode()
    url = public_url(request.path + (f"?{query}" if query else ""))
    valid = bool(signature) and RequestValidator(webhook_token(current_app.config)).validate(
        url, request.form, signature
    )
    if not valid:
        log.warning("refused %s: %s Twilio signature", request.path, "bad" if signature else "no")
        abort(403)


SID_MAX = 64  # InboundMessage.message_sid, OutboundMessage.provider_sid
PHONE_MAX = 32  # InboundMessage.from_number / to_number
ERROR_CODE_DIGITS_MAX = 9  # OutboundMessage.error_code is a 32-bit integer


def form_field(name: str, *, longest: int | None = None) -> str:
    """A webhook form field without control characters; 400 when longer than `longest`."""
    value = strip_controls(request.form.get(name, ""))
    if longest is not None and len(value) > longest:
        log.warning("refused %s: %s is %d characters (at most %d)", request.path, name, len(value), longest)
        abort(400)
    return value


def twiml(text: str | None) -> Response:
    answer = MessagingResponse()
    if text:
        answer.message(text)
    return Response(str(answer), mimetype="application/xml")


@bp.post("/sms/inbound")
@csrf.exempt
def inbound() -> Response:
    _require_signature()
    sid = form_field("MessageSid", longest=SID_MAX) or form_field("SmsSid", longest=SID_MAX)
    if not sid:
        abort(400)
    outcome = handle_inbound(
        session=db.session,
        bus=deps.bus(),
        message_sid=sid,
        from_number=form_field("From", longest=PHONE_MAX),
        to_number=form_field("To", longest=PHONE_MAX),
        body=form_field("Body"),
    )
    db.session.commit()
    return twiml(outcome.reply)


def _error_number(error_code: str | None) -> int | None:
    """Twilio's numeric error code, when it is one that fits the column."""
    if not error_code or not (error_code.isascii() and error_code.isdigit()):
        return None
    return int(error_code) if len(error_code) <= ERROR_CODE_DIGITS_MAX else None


def apply_status(
    *, session: Any, outbox_id: int | None, sid: str, status: str, error_code: str | None, sender: str
) -> bool:
    """Record one delivery status callback. False when no outbox row matches."""
    row = None
    if outbox_id is not None:
        row = session.get(OutboundMessage, outbox_id, with_for_update=True)
        if row is not None and row.provider_sid and sid and row.provider_sid != sid:
            row = None  # the id in the URL and the SID disagree: trust neither
    if row is None and sid:
        row = session.scalars(sa.select(OutboundMessage).where(OutboundMessage.provider_sid == sid)).first()
    if row is None:
        return False
    ours = _TWILIO_STATUS.get(status.lower())
    if ours is None or _RANK[ours] < _RANK.get(row.status, 0) or row.status in FINAL_STATUSES:
        return True  # late or unknown: nothing to change
    if ours == row.status:
        return True
    row.status = ours
    if sid and not row.provider_sid:
        row.provider_sid = sid
    row.updated_at = now()
    if ours in {"failed", "undelivered"}:
        code = _error_number(error_code)
        row.error_code = code
        kind = classify_twilio_error(None, error_code)
        row.error_message = f"{describe_twilio_error(error_code)} ({kind})"
        raise_sms_failed(session=session, row=row, reason=describe_twilio_error(error_code))
    record_message_event(session=session, row=row, sender=sender)
    return True


@bp.post("/sms/status")
@csrf.exempt
def status() -> Response:
    _require_signature()
    raw_id = request.args.get("outbox", "")
    outbox_id = int(raw_id) if raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 10 else None
    found = apply_status(
        sender=sender_label(deps.settings()),
        session=db.session,
        outbox_id=outbox_id if outbox_id is not None and outbox_id <= ID_MAX else None,
        sid=form_field("MessageSid", longest=SID_MAX),
        status=form_field("MessageStatus"),
        error_code=form_field("ErrorCode") or None,
    )
    db.session.commit()
    if not found:
        log.info("status callback for a message this outbox does not know")
    return Response(status=204)
