"""The SMS relay: hands committed outbox rows to the sender, retries, fails loudly, never twice.

How one outbox row is sent exactly once
---------------------------------------
1. Claim. The relay moves a due row from `queued` to `sending` with one conditional UPDATE
   (`... SET status='sending', claim_token=<fresh token>, claimed_at=now, attempts=attempts+1
   WHERE id=:id AND status='queued'`) and COMMITS before it calls the provider. Of any number of
   relays (threads or processes) racing for a row, exactly one UPDATE matches: only that relay
   sends it.
2. Send, then record. The provider's answer is written under the same token (row locked, token
   compared): `sent` with the provider's SID, `queued` again with a later `next_attempt_at` for a
   transient error (exponential back-off with jitter), `failed` for a permanent one (and an
   `sms_failed` alert for the dispatcher).
3. Crash in between. If the relay dies after the provider took the message but before step 2
   committed, the row stays `sending`. No relay sends a `sending` row again blindly. After
   `reconcile_after_s` (longer than the sender's HTTP timeout, so the dead attempt can no longer
   be in flight) a relay takes the row over (a new token, same conditional UPDATE) and asks the
   provider whether the message exists:
   - Twilio: list the Messages to that number (newest first) and look for one with this row's
     exact body created since the row was written, whose SID no other outbox row holds;
   - console sender: its stored copy is written in the same transaction as step 2, so it exists
     exactly when the row was recorded as sent; looked up by outbox id.
   Found: the row is recorded `sent` with that SID. Provably absent: it goes back to `queued` and
   is sent (the attempt counts). The provider cannot answer: the row stays `sending` and is asked
   about again later.
The one assumption is that Twilio lists a message it accepted once `reconcile_after_s` has
passed; Twilio's Messages API takes no idempotency key, so that is the strongest check it allows.

An opted-out number is not sent to (failed, 21610, alert). A page whose validity period has run
out is not retried any more (failed, alert): a late dispatch page would mislead.
"""

from __future__ import annotations

import logging
import random
import secrets
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from flask import Flask

from alerts.service import raise_alert
from core.clock import now
from core.deps import settings_of
from core.extensions import db
from dispatch.models import Unit
from notifications.models import ConsoleMessageRow, OptOut, OutboundMessage
from notifications.outbox import expired, record_message_event, sender_label, sms_queued
from notifications.senders import (
    ConsoleMessage,
    ConsoleSender,
    PermanentSendError,
    SendError,
    SendReceipt,
    SmsSender,
    TransientSendError,
    describe_twilio_error,
    mask_phone,
)

log = logging.getLogger(__name__)

OPTED_OUT_CODE = 21610
# Twilio's statuses right after it took a message; ours is then `sent` (handed over).
_ACCEPTED = frozenset({"accepted", "queued", "sending", "scheduled", "sent"})


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off with jitter: attempt n waits base * factor**(n-1), at most
    `max_s`, times a random share between 1 - jitter and 1."""

    base_s: float = 2.0
    factor: float = 2.0
    max_s: float = 300.0
    jitter: float = 0.5
    max_attempts: int = 10

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        plain = min(self.max_s, self.base_s * self.factor ** max(0, attempt - 1))
        return plain * (1.0 - self.jitter * rng.random())


class SentLookup(Protocol):
    """Says whether the provider already holds the message of an outbox row: its SID or None.
    Raises `TransientSendError` when it cannot tell."""

    def __call__(self, row: OutboundMessage, taken_sids: set[str], /) -> str | None: ...


def status_callback_url(public_base_url: str, outbox_id: int) -> str:
    return f"{public_base_url.rstrip('/')}/sms/status?outbox={outbox_id}"


def outbox_id_from_callback(url: str | None) -> int | None:
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get("outbox", [])
    return int(values[0]) if values and values[0].isdigit() else None


def console_store(message: ConsoleMessage) -> None:
    """The console sender's store: a row in the relay's own transaction (see step 2 above)."""
    db.session.add(
        ConsoleMessageRow(
            sid=message.sid,
            outbox_id=outbox_id_from_callback(message.status_callback),
            to=message.to,
            body=message.body,
            at=now(),
        )
    )


def console_lookup(row: OutboundMessage, taken_sids: set[str], /) -> str | None:
    found = db.session.scalars(sa.select(ConsoleMessageRow.sid).where(ConsoleMessageRow.outbox_id == row.id)).first()
    return str(found) if found else None


def memory_console_lookup(sender: ConsoleSender) -> SentLookup:
    """For a console sender without a database store (tests): its `sent` list."""

    def lookup(row: OutboundMessage, taken_sids: set[str], /) -> str | None:
        for message in sender.sent:
            if outbox_id_from_callback(message.status_callback) == row.id:
                return message.sid
        return None

    return lookup


def twilio_lookup(sender: Any, *, skew: timedelta = timedelta(minutes=5)) -> SentLookup:
    """Reconcile against Twilio's Messages list (TwilioSender.recent_messages)."""

    def lookup(row: OutboundMessage, taken_sids: set[str], /) -> str | None:
        since = row.created_at - skew
        candidates = [
            message
            for message in sender.recent_messages(to=row.to)
            if message.body == row.body
            and message.sid not in taken_sids
            and (message.created_at is None or message.created_at >= since)
        ]
        if not candidates:
            return None
        oldest = min(candidates, key=lambda m: m.created_at or since)
        return str(oldest.sid)

    return lookup


@dataclass
class PassResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    reconciled: int = 0
    sids: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.reconciled


class SmsRelay:
    def __init__(
        self,
        app: Flask,
        *,
        sender: SmsSender,
        lookup: SentLookup,
        backoff: Backoff | None = None,
        batch: int = 20,
        poll_interval_s: float = 1.0,
        reconcile_after_s: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        self.app = app
        self.sender = sender
        self.lookup = lookup
        self.backoff = backoff or Backoff()
        self.batch = batch
        self.poll_interval_s = poll_interval_s
        self.reconcile_after_s = reconcile_after_s
        self.rng = rng or random.Random()
        self.sender_label = sender_label(settings_of(app))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- running ---------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sms-relay", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        sms_queued.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        with self.app.app_context():
            while not self._stop.is_set():
                try:
                    result = self.pump()
                except Exception:
                    log.exception("SMS relay pass failed; retrying")
                    db.session.rollback()
                    result = PassResult()
                finally:
                    db.session.remove()
                if result.handled:
                    continue  # more may be due at once
                sms_queued.wait(timeout=self._idle_wait_s())
                sms_queued.clear()

    def _idle_wait_s(self) -> float:
        try:
            due = db.session.scalar(
                sa.select(sa.func.min(OutboundMessage.next_attempt_at)).where(OutboundMessage.status == "queued")
            )
            db.session.commit()
        finally:
            db.session.remove()
        if due is None:
            return self.poll_interval_s
        return max(0.0, min(self.poll_interval_s, (due - now()).total_seconds()))

    # -- one pass --------------------------------------------------------------------------------
    def pump(self) -> PassResult:
        """Reconcile rows left `sending` by a dead relay, then claim and send what is due."""
        result = PassResult()
        self.reconcile(result)
        for row_id, token in self.claim():
            self._send_one(row_id, token, result)
        return result

    def run_until_idle(self, *, max_passes: int = 10_000) -> PassResult:
        """Pump until nothing is due now (tests and the benchmark; back-off waits are not waited)."""
        total = PassResult()
        for _ in range(max_passes):
            result = self.pump()
            total.sent += result.sent
            total.retried += result.retried
            total.failed += result.failed
            total.reconciled += result.reconciled
            if not result.handled:
                break
        return total

    def claim(self) -> list[tuple[int, str]]:
        session = db.session
        stamp = now()
        candidates = sa.select(OutboundMessage.id).where(
            OutboundMessage.status == "queued", OutboundMessage.next_attempt_at <= stamp
        )
        candidates = candidates.order_by(OutboundMessage.next_attempt_at, OutboundMessage.id).limit(self.batch)
        if session.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        ids = list(session.scalars(candidates))
        claimed: list[tuple[int, str]] = []
        for row_id in ids:
            token = secrets.token_hex(16)
            updated = session.execute(
                sa.update(OutboundMessage)
                .where(OutboundMessage.id == row_id, OutboundMessage.status == "queued")
                .values(
                    status="sending",
                    claim_token=token,
                    claimed_at=stamp,
                    attempts=OutboundMessage.attempts + 1,
                    updated_at=stamp,
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(updated, "rowcount", 0) == 1:
                claimed.append((row_id, token))
        session.commit()  # the claim is durable before anything is sent
        return claimed

    def _locked(self, row_id: int, token: str) -> OutboundMessage | None:
        row = db.session.get(OutboundMessage, row_id, with_for_update=True, populate_existing=True)
        if row is None or row.claim_token != token:
            log.warning("outbox row %s was taken over by another relay; leaving it", row_id)
            db.session.rollback()
            return None
        return row

    def _send_one(self, row_id: int, token: str, result: PassResult) -> None:
        session = db.session
        row = session.get(OutboundMessage, row_id, populate_existing=True)
        if row is None:
            session.rollback()
            return
        to, body, validity, too_late = row.to, row.body, row.validity_period_s, expired(row)
        opted_out = session.get(OptOut, to) is not None
        session.rollback()
        if opted_out:
            self._finish_failed(row_id, token, OPTED_OUT_CODE, describe_twilio_error(OPTED_OUT_CODE), result)
            return
        if too_late:
            self._finish_failed(row_id, token, None, "the page expired before a send got through", result)
            return
        try:
            receipt = self.sender.send(
                to=to,
                body=body,
                status_callback=status_callback_url(self.app.config["PUBLIC_BASE_URL"], row_id),
                validity_period_s=validity,
            )
        except TransientSendError as error:
            self._finish_transient(row_id, token, error, result)
            return
        except PermanentSendError as error:
            self._finish_failed(row_id, token, error.code, describe_twilio_error(error.code), result)
            return
        except SendError as error:  # neither kind: treat as permanent, a person should know
            self._finish_failed(row_id, token, error.code, str(error), result)
            return
        self._finish_sent(row_id, token, receipt, result)

    def _finish_sent(self, row_id: int, token: str, receipt: SendReceipt, result: PassResult) -> None:
        row = self._locked(row_id, token)
        if row is None:
            return
        stamp = now()
        if row.status == "sending":  # a status callback may have got here first
            row.status = receipt.status if receipt.status in {"delivered", "failed", "undelivered"} else "sent"
            if receipt.status not in _ACCEPTED | {"delivered", "failed", "undelivered"}:
                log.info("provider answered status %s; recorded as sent", receipt.status)
        row.provider_sid = receipt.sid
        row.sent_at = stamp
        row.updated_at = stamp
        row.claim_token = None
        row.error_code = None
        row.error_message = None
        record_message_event(session=db.session, row=row, sender=self.sender_label)
        db.session.commit()
        result.sent += 1
        result.sids.append(receipt.sid)

    def _finish_transient(self, row_id: int, token: str, error: SendError, result: PassResult) -> None:
        row = self._locked(row_id, token)
        if row is None:
            return
        if row.attempts >= self.backoff.max_attempts:
            db.session.rollback()
            self._finish_failed(row_id, token, error.code, f"gave up after {row.attempts} attempts: {error}", result)
            return
        stamp = now()
        row.status = "queued"
        row.claim_token = None
        row.error_code = error.code
        row.error_message = str(error)[:300]
        row.next_attempt_at = stamp + timedelta(seconds=self.backoff.delay_s(row.attempts, self.rng))
        row.updated_at = stamp
        record_message_event(session=db.session, row=row, sender=self.sender_label)
        db.session.commit()
        result.retried += 1

    def _finish_failed(self, row_id: int, token: str, code: int | None, reason: str, result: PassResult) -> None:
        row = self._locked(row_id, token)
        if row is None:
            return
        stamp = now()
        row.status = "failed"
        row.claim_token = None
        row.error_code = code
        row.error_message = reason[:300]
        row.updated_at = stamp
        record_message_event(session=db.session, row=row, sender=self.sender_label)
        raise_sms_failed(session=db.session, row=row, reason=reason)
        db.session.commit()
        result.failed += 1

    # -- reconciliation ----------------------------------------------------------------------------
    def reconcile(self, result: PassResult) -> None:
        session = db.session
        cutoff = now() - timedelta(seconds=self.reconcile_after_s)
        stuck = list(
            session.scalars(
                sa.select(OutboundMessage)
                .where(OutboundMessage.status == "sending", OutboundMessage.claimed_at < cutoff)
                .order_by(OutboundMessage.id)
                .limit(self.batch)
            )
        )
        session.commit()
        for row in stuck:
            self._reconcile_one(row.id, row.claim_token, result)

    def _reconcile_one(self, row_id: int, old_token: str | None, result: PassResult) -> None:
        session = db.session
        token = secrets.token_hex(16)
        stamp = now()
        took = session.execute(
            sa.update(OutboundMessage)
            .where(
                OutboundMessage.id == row_id,
                OutboundMessage.status == "sending",
                OutboundMessage.claim_token == old_token,
            )
            .values(claim_token=token, claimed_at=stamp, updated_at=stamp)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if getattr(took, "rowcount", 0) != 1:
            return
        row = session.get(OutboundMessage, row_id, populate_existing=True)
        assert row is not None
        taken = set(
            session.scalars(
                sa.select(OutboundMessage.provider_sid).where(
                    OutboundMessage.to == row.to, OutboundMessage.provider_sid.is_not(None)
                )
            )
        )
        session.commit()
        try:
            sid = self.lookup(row, {str(s) for s in taken})
        except TransientSendError as error:
            log.warning("cannot tell whether outbox row %s was sent (%s); asking again later", row_id, error)
            return
        locked = self._locked(row_id, token)
        if locked is None:
            return
        if sid is not None:
            log.info("outbox row %s was sent before a crash (%s); recorded, not resent", row_id, sid)
            locked.status = "sent"
            locked.provider_sid = sid
            locked.sent_at = stamp
        else:
            log.info("outbox row %s provably not sent; queued again", row_id)
            locked.status = "queued"
            locked.next_attempt_at = stamp
        locked.claim_token = None
        locked.updated_at = stamp
        record_message_event(session=session, row=locked, sender=self.sender_label)
        session.commit()
        result.reconciled += 1


def raise_sms_failed(*, session: Any, row: OutboundMessage, reason: str) -> None:
    """Tell the dispatcher a text did not reach a team: they phone the team instead."""
    unit = session.get(Unit, row.unit_id) if row.unit_id is not None else None
    who = unit.call_sign if unit is not None else "a team"
    raise_alert(
        session=session,
        kind="sms_failed",
        severity="warning",
        message=f"Text to {who} ({mask_phone(row.to)}, {row.kind}) not delivered: {reason}. Phone the team.",
        incident_id=row.incident_id,
        unit_id=row.unit_id,
        data={"message_id": row.id, "error_code": row.error_code},
    )
