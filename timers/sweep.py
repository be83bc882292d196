"""The sweep: claim due timers with a lease, then fire each in its own transaction.

Claiming (one short transaction):
- PostgreSQL: `SELECT id ... FOR UPDATE SKIP LOCKED` then `UPDATE ... SET state='claimed'` in the
  same transaction, so two schedulers take disjoint rows without waiting on each other.
- SQLite: one `UPDATE ... WHERE id IN (SELECT ... due ...)` stamping a claim token, then the rows
  are read back by that token. Write transactions there begin with `BEGIN IMMEDIATE`, so claims
  are serialised.
A row is due when it is pending and `due_at <= now`, or claimed with an expired lease (its
scheduler died between claim and fire). Nothing is ever dropped for being late.

Firing (one transaction per timer): `UPDATE ... SET state='fired' WHERE id=? AND state='claimed'
AND claimed_by=<token>` and the handler's writes commit together. If the row was cancelled, or
re-claimed by another scheduler after our lease ran out, the update matches nothing and the
handler is not run; if the handler fails, its writes roll back with the mark and the row is
retried later. A timer's effects are therefore written exactly once.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from config import Settings
from core.clock import now as clock_now
from timers.models import Timer

log = logging.getLogger(__name__)

LEASE_S = 120
BATCH = 200
MAX_ATTEMPTS = 8
RETRY_AFTER_S = 30

Handler = Callable[..., None]


@dataclass
class SweepResult:
    claimed: int = 0
    fired: int = 0
    skipped: int = 0
    failed: int = 0


def sweeper_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def new_claim_token(owner: str) -> str:
    return f"{owner}:{uuid.uuid4().hex[:12]}"[-80:]


def _due(now: datetime) -> Any:
    return sa.or_(
        sa.and_(Timer.state == "pending", Timer.due_at <= now),
        sa.and_(Timer.state == "claimed", Timer.lease_until < now),
    )


def claim_due(*, session: Any, now: datetime, token: str, limit: int = BATCH, lease_s: int = LEASE_S) -> list[int]:
    """Claim up to `limit` due timers for `token` and commit. Returns their ids, oldest due first."""
    lease_until = now + timedelta(seconds=lease_s)
    values = {
        "state": "claimed",
        "claimed_by": token,
        "lease_until": lease_until,
        "attempts": Timer.attempts + 1,
    }
    if session.get_bind().dialect.name == "postgresql":
        ids = list(
            session.scalars(
                sa.select(Timer.id)
                .where(_due(now))
                .order_by(Timer.due_at, Timer.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if ids:
            session.execute(
                sa.update(Timer).where(Timer.id.in_(ids)).values(**values).execution_options(synchronize_session=False)
            )
    else:
        due_ids = sa.select(Timer.id).where(_due(now)).order_by(Timer.due_at, Timer.id).limit(limit).scalar_subquery()
        session.execute(
            sa.update(Timer).where(Timer.id.in_(due_ids)).values(**values).execution_options(synchronize_session=False)
        )
        ids = list(
            session.scalars(
                sa.select(Timer.id).where(Timer.claimed_by == token, Timer.state == "claimed").order_by(Timer.due_at)
            )
        )
    session.commit()
    return ids


def fire_one(
    *, session: Any, timer_id: int, token: str, handlers: dict[str, Handler], now: datetime, settings: Settings
) -> bool:
    """Fire one claimed timer in its own transaction. Returns True when its handler ran and committed."""
    marked = session.execute(
        sa.update(Timer)
        .where(Timer.id == timer_id, Timer.state == "claimed", Timer.claimed_by == token)
        .values(state="fired", fired_at=now)
        .execution_options(synchronize_session=False)
    )
    if not marked.rowcount:
        session.rollback()  # cancelled meanwhile, or another scheduler took it after our lease ran out
        return False
    timer = session.get(Timer, timer_id, populate_existing=True)
    handler = handlers.get(timer.kind)
    if handler is None:
        log.error("no handler for timer kind %r (timer %s); marked failed", timer.kind, timer_id)
        timer.state = "failed"
        timer.last_error = f"no handler for kind {timer.kind!r}"
    else:
        handler(session=session, timer=timer, now=now, settings=settings)
    session.commit()
    return handler is not None


def _record_failure(*, session: Any, timer_id: int, token: str, error: BaseException, now: datetime) -> None:
    timer = session.get(Timer, timer_id, populate_existing=True)
    if timer is None or timer.state != "claimed" or timer.claimed_by != token:
        session.rollback()
        return
    timer.last_error = f"{type(error).__name__}: {error}"[:500]
    if timer.attempts >= MAX_ATTEMPTS:
        timer.state = "failed"
        log.error("timer %s (%s) failed %s times; giving up", timer_id, timer.kind, timer.attempts)
    else:
        timer.state = "pending"
        timer.due_at = now + timedelta(seconds=RETRY_AFTER_S * timer.attempts)
        timer.claimed_by = None
        timer.lease_until = None
    session.commit()


def sweep(
    *,
    session: Any,
    handlers: dict[str, Handler],
    settings: Settings,
    owner: str | None = None,
    now: Callable[[], datetime] = clock_now,
    batch: int = BATCH,
    max_batches: int | None = None,
) -> SweepResult:
    """Fire every timer due now, batch after batch, until none is left (or `max_batches`)."""
    result = SweepResult()
    owner = owner or sweeper_name()
    batches = 0
    while max_batches is None or batches < max_batches:
        token = new_claim_token(owner)
        ids = claim_due(session=session, now=now(), token=token, limit=batch)
        batches += 1
        if not ids:
            break
        result.claimed += len(ids)
        for timer_id in ids:
            try:
                if fire_one(
                    session=session, timer_id=timer_id, token=token, handlers=handlers, now=now(), settings=settings
                ):
                    result.fired += 1
                else:
                    result.skipped += 1
            except Exception as error:
                log.exception("timer %s failed; it will be retried", timer_id)
                session.rollback()
                result.failed += 1
                _record_failure(session=session, timer_id=timer_id, token=token, error=error, now=now())
        if len(ids) < batch:
            break
    return result
