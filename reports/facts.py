"""Report facts: what each call and follow-up adds to the figures, as narrow rows kept at write time.

A report counts and ranks ranges of one narrow, indexed table instead of joining the wide calls,
incidents, assignments and attempts of its period. Over 100,000 calls, that join made a 30-day
summary take 650 ms on SQLite; see bench/reports_bench.py for the figures now. Each row of
`report_facts` is one thing that counts:

    kind                             at            v
    disposition.<disposition>        received_at   -    one per call: phone, mobile_team, co_response,
                                                        emergency_911, or `other` for any other value
    incident                         received_at   -    the call has an incident
    cleared                          received_at   -    ... which was cleared
    police.present / police.absent   received_at   -    ... cleared, with police presence recorded
    outcome.<outcome>                received_at   -
    interval.<name>                  received_at   the interval in whole seconds (DOMAIN "Figures"),
                                                        interval.transfers_911 for a 911 transfer
    followup                         due_at        1 when done (reached or declined) within its
                                                        window, else 0

Every row carries the call's `priority` and its incident's `area`, the two report filters (a call
with no incident is in no area); an interval's row also its `bucket` (`bucket_of`), by which
reports.figures ranks a long period on SQLite. A call belongs to the period holding its `received_at`, and so
does everything of its incident; a follow-up belongs to the period holding its `due_at`.

The rows are derived data, written in SQL from the records themselves, in the transaction that
changes those records:

* `refresh` recomputes the rows of some calls and follow-ups. The session hooks at the end of
  this module call it after every flush that touched a column listed in `WATCHED`. A bulk UPDATE
  of a watched table must say what it did to the facts with the execution option
  `report_facts`: "unchanged" (it sets no watched column), or "refreshed" (it calls `refresh`
  itself). One that says neither is logged as an error (the test suite fails on it).
* `rebuild` recomputes every row. The migration and `flask --app wsgi reports rebuild-facts` use it.
* `drift` lists the rows that differ from their records. The test suite checks it after every
  test, and `flask --app wsgi reports check-facts` checks it on a live database.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession

from dispatch.models import Assignment, Incident
from reports.models import ReportFact
from reports.sql import epoch_ms, ms_to_whole_seconds, whole_seconds
from timers.models import Followup, FollowupAttempt
from triage.models import Call

log = logging.getLogger(__name__)

FACTS = ReportFact.__table__
CALLS = Call.__table__
INCIDENTS = Incident.__table__
ASSIGNMENTS = Assignment.__table__
FOLLOWUPS = Followup.__table__
ATTEMPTS = FollowupAttempt.__table__

DISPOSITIONS = ("phone", "mobile_team", "co_response", "emergency_911")
INTERVALS = ("answer_to_dispatch", "acknowledge", "turnout", "travel", "response", "on_scene")
TRANSFERS = "transfers_911"
DONE_OUTCOMES = ("reached", "declined")  # a follow-up attempt that ends the follow-up
OPTION = "report_facts"  # the execution option of a bulk UPDATE of a watched table
LOCK_CALL, LOCK_FOLLOWUP = 0x7266_0001, 0x7266_0002  # PostgreSQL advisory lock spaces (see _lock)


# Per mapped class: the attribute naming what its facts belong to, what that is, and the columns
# whose change changes them.
@dataclass(frozen=True, slots=True)
class _Watch:
    key: str
    of: str  # "calls", "incidents" (their calls) or "followups"
    columns: frozenset[str]


WATCHED: dict[type, _Watch] = {
    Call: _Watch("id", "calls", frozenset({"id", "received_at", "disposition", "priority", "transfer_at"})),
    Incident: _Watch(
        "call_id",
        "calls",
        frozenset(
            {
                "call_id",
                "area",
                "acknowledged_at",
                "en_route_at",
                "on_scene_at",
                "transporting_at",
                "cleared_at",
                "outcome",
                "police_present",
            }
        ),
    ),
    Assignment: _Watch("incident_id", "incidents", frozenset({"incident_id", "assigned_at"})),
    Followup: _Watch("id", "followups", frozenset({"call_id", "due_at"})),
    FollowupAttempt: _Watch("followup_id", "followups", frozenset({"followup_id", "at", "outcome"})),
}
_WATCHED_TABLES = frozenset(cls.__table__.name for cls in WATCHED)  # type: ignore[attr-defined]

# Every column of a fact but its id, in the order the SELECTs below give them.
COLUMNS = ("kind", "at", "v", "bucket", "priority", "area", "call_id", "followup_id")
FINE_S, FINE_UNDER_S, COARSE_S = 10, 600, 60  # an interval's `bucket` (see `bucket_of`)


def interval_kind(name: str) -> str:
    return f"interval.{name}"


def bucket_of(v: Any) -> Any:
    """The bucket of an interval of v seconds: 10-second steps up to 10 minutes, whole minutes
    after (integer division truncates on both databases). Buckets only ever grow with v, so a
    rank can be found bucket by bucket (reports.figures.intervals); the finer steps keep the
    buckets of the short intervals (turnout, acknowledgement) small."""
    return sa.case(
        (v < FINE_UNDER_S, v // FINE_S),
        else_=FINE_UNDER_S // FINE_S + v // COARSE_S,
    )


def _call_times(condition: Any) -> Any:
    """Per call (matching `condition`): its filters, its incident's facts, and each moment of the
    intervals in milliseconds (each turned into a number once)."""
    first_dispatch = (
        sa.select(sa.func.min(ASSIGNMENTS.c.assigned_at))
        .where(ASSIGNMENTS.c.incident_id == INCIDENTS.c.id)
        .scalar_subquery()
    )
    left_scene = sa.case(
        (
            sa.and_(
                INCIDENTS.c.transporting_at.is_not(None),
                sa.or_(INCIDENTS.c.cleared_at.is_(None), INCIDENTS.c.transporting_at < INCIDENTS.c.cleared_at),
            ),
            INCIDENTS.c.transporting_at,
        ),
        else_=INCIDENTS.c.cleared_at,
    )
    moments = {
        "dispatched": first_dispatch,
        "acknowledged": INCIDENTS.c.acknowledged_at,
        "en_route": INCIDENTS.c.en_route_at,
        "on_scene": INCIDENTS.c.on_scene_at,
        "left_scene": left_scene,
    }
    statement = sa.select(
        CALLS.c.id.label("call_id"),
        CALLS.c.received_at,
        CALLS.c.disposition,
        CALLS.c.priority,
        INCIDENTS.c.area,
        INCIDENTS.c.id.label("incident_id"),
        INCIDENTS.c.cleared_at,
        INCIDENTS.c.police_present,
        INCIDENTS.c.outcome,
        whole_seconds(CALLS.c.received_at, CALLS.c.transfer_at).label("transfer_s"),
        epoch_ms(CALLS.c.received_at).label("received"),
        *(epoch_ms(moment).label(name) for name, moment in moments.items()),
    ).select_from(CALLS.outerjoin(INCIDENTS, INCIDENTS.c.call_id == CALLS.c.id))
    if condition is not None:
        statement = statement.where(condition)
    return statement.cte("call_times")


def _call_facts(condition: Any) -> Any:
    """The fact rows of the calls matching `condition` (None: every call), as one SELECT."""
    t = _call_times(condition)
    no_followup = sa.cast(sa.null(), sa.Integer).label("followup_id")

    def row(kind: Any, v: Any = None, *where: Any) -> Any:
        return sa.select(
            kind.label("kind"),
            t.c.received_at.label("at"),
            (sa.cast(sa.null(), sa.Integer) if v is None else v).label("v"),
            (sa.cast(sa.null(), sa.Integer) if v is None else bucket_of(v)).label("bucket"),
            t.c.priority,
            t.c.area,
            t.c.call_id,
            no_followup,
        ).where(*where)

    def text(value: str) -> Any:
        return sa.literal(value, sa.String)

    spans = {
        "answer_to_dispatch": (t.c.received, t.c.dispatched),
        "acknowledge": (t.c.dispatched, t.c.acknowledged),
        "turnout": (t.c.dispatched, t.c.en_route),
        "travel": (t.c.en_route, t.c.on_scene),
        "response": (t.c.received, t.c.on_scene),
        "on_scene": (t.c.on_scene, t.c.left_scene),
    }
    cleared = t.c.cleared_at.is_not(None)
    parts = [
        row(
            sa.case(
                (t.c.disposition.in_(DISPOSITIONS), text("disposition.") + t.c.disposition),
                else_=text("disposition.other"),
            )
        ),
        row(text("incident"), None, t.c.incident_id.is_not(None)),
        row(text("cleared"), None, cleared),
        row(
            sa.case((t.c.police_present.is_(True), text("police.present")), else_=text("police.absent")),
            None,
            cleared,
            t.c.police_present.is_not(None),
        ),
        row(text("outcome.") + t.c.outcome, None, t.c.outcome.is_not(None)),
        *(
            row(text(interval_kind(name)), ms_to_whole_seconds(end - start), start.is_not(None), end.is_not(None))
            for name, (start, end) in spans.items()
        ),
        row(
            text(interval_kind(TRANSFERS)),
            t.c.transfer_s,
            t.c.disposition == "emergency_911",
            t.c.transfer_s.is_not(None),
        ),
    ]
    return sa.union_all(*parts)


def _followup_facts(condition: Any) -> Any:
    """The fact rows of the follow-ups matching `condition` (None: every follow-up)."""
    done = (
        sa.exists()
        .where(
            ATTEMPTS.c.followup_id == FOLLOWUPS.c.id,
            ATTEMPTS.c.outcome.in_(DONE_OUTCOMES),
            ATTEMPTS.c.at <= FOLLOWUPS.c.due_at,
        )
        .correlate(FOLLOWUPS)
    )
    source = FOLLOWUPS.outerjoin(CALLS, CALLS.c.id == FOLLOWUPS.c.call_id).outerjoin(
        INCIDENTS, INCIDENTS.c.call_id == FOLLOWUPS.c.call_id
    )

    statement = sa.select(
        sa.literal("followup", sa.String).label("kind"),
        FOLLOWUPS.c.due_at.label("at"),
        sa.case((done, 1), else_=0).label("v"),
        sa.cast(sa.null(), sa.Integer).label("bucket"),
        CALLS.c.priority,
        INCIDENTS.c.area,
        FOLLOWUPS.c.call_id,
        FOLLOWUPS.c.id.label("followup_id"),
    ).select_from(source)
    return statement if condition is None else statement.where(condition)


@functools.cache
def _every_fact() -> tuple[Any, Any]:
    """The SELECTs of every fact the records call for, built once."""
    return _call_facts(None), _followup_facts(None)


@functools.cache
def _refreshing() -> tuple[Any, Any, Any]:
    """The DELETE and the two INSERTs of `refresh`, built once (the ids are expanding parameters)."""
    calls: Any = sa.bindparam("calls", expanding=True)
    follows: Any = sa.bindparam("followups", expanding=True)
    delete = sa.delete(FACTS).where(sa.or_(FACTS.c.call_id.in_(calls), FACTS.c.followup_id.in_(follows)))
    of_calls = sa.insert(FACTS).from_select(COLUMNS, _call_facts(CALLS.c.id.in_(calls)))
    of_followups = sa.insert(FACTS).from_select(
        COLUMNS, _followup_facts(sa.or_(FOLLOWUPS.c.call_id.in_(calls), FOLLOWUPS.c.id.in_(follows)))
    )
    return delete, of_calls, of_followups


def refresh(
    connection: Any,
    *,
    call_ids: Collection[int] = (),
    incident_ids: Collection[int] = (),
    followup_ids: Collection[int] = (),
) -> None:
    """Recompute the facts of these calls, of the calls of these incidents and of these
    follow-ups, from their records as `connection` sees them. A follow-up of a call is
    refreshed as part of its call (every fact of a call, its follow-ups' too, is rewritten at
    once, under one lock); one of no call on its own."""
    calls = {i for i in call_ids if i is not None}
    incidents = [i for i in incident_ids if i is not None]
    if incidents:
        found = connection.execute(
            sa.select(INCIDENTS.c.call_id).where(INCIDENTS.c.id.in_(incidents), INCIDENTS.c.call_id.is_not(None))
        )
        calls.update(found.scalars())
    follows = {i for i in followup_ids if i is not None}
    if follows:  # a follow-up of a call is refreshed (and locked) with its call
        found = connection.execute(
            sa.select(FOLLOWUPS.c.id, FOLLOWUPS.c.call_id).where(FOLLOWUPS.c.id.in_(sorted(follows)))
        ).all()
        calls.update(call_id for _, call_id in found if call_id is not None)
        follows = {followup_id for followup_id, call_id in found if call_id is None} | (
            follows - {followup_id for followup_id, _ in found}
        )
    if not calls and not follows:
        return
    ids = {"calls": sorted(calls), "followups": sorted(follows)}
    if connection.dialect.name == "postgresql":
        _lock(connection, ids)
    delete, of_calls, of_followups = _refreshing()
    connection.execute(delete, ids)
    if calls:
        connection.execute(of_calls, ids)
    connection.execute(of_followups, ids)


def _lock(connection: Any, ids: dict[str, list[int]]) -> None:
    """Take a transaction advisory lock per call and follow-up being refreshed, in id order.

    Two transactions may refresh one call at once (a follow-up attempt while the incident moves).
    Without a lock, under READ COMMITTED the second's DELETE would not see the rows the first has
    just inserted, and the call would count twice. With it, the second waits for the first to
    commit, then deletes and derives again from what both wrote (each statement reads the latest
    commits). An advisory lock rather than the call's row: a flush takes it after the row locks
    of its own writes, where locking the call's row would turn "incident, then call" here against
    "call, then incident" in an amendment into a deadlock. (Two-key locks have a key space of
    their own.) SQLite needs none: it has one writer at a time."""
    keys = [(LOCK_CALL, i) for i in ids["calls"]] + [(LOCK_FOLLOWUP, i) for i in ids["followups"]]
    for space, key in keys:
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(space, key))).all()


def rebuild(connection: Any) -> int:
    """Recompute every fact; returns how many there are."""
    connection.execute(sa.delete(FACTS))
    for select in _every_fact():
        connection.execute(sa.insert(FACTS).from_select(COLUMNS, select))
    return int(connection.execute(sa.select(sa.func.count()).select_from(FACTS)).scalar_one())


@dataclass(frozen=True, slots=True)
class Drift:
    """Fact rows the records call for but the table lacks (`missing`), and the reverse (`extra`)."""

    missing: list[tuple[Any, ...]] = field(default_factory=list)
    extra: list[tuple[Any, ...]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra)

    def __str__(self) -> str:
        def lines(rows: list[tuple[Any, ...]]) -> str:
            return "; ".join(str(dict(zip(COLUMNS, r, strict=True))) for r in rows[:5])

        missing, extra = len(self.missing), len(self.extra)
        return f"{missing} missing ({lines(self.missing)}), {extra} extra ({lines(self.extra)})"


def drift(connection: Any) -> Drift:
    """How the stored facts differ from their records: a multiset comparison of every row, as the
    database driver gives them (for tests and `reports check-facts`)."""
    raw = _raw_sql(connection.dialect)
    stored = Counter(tuple(r) for r in connection.exec_driver_sql(raw["stored"]))
    if not stored and not any(connection.exec_driver_sql(raw["records"]).one()):
        return Drift()  # no records, no facts: nothing to derive
    wanted: Counter[tuple[Any, ...]] = Counter()
    for select in raw["wanted"]:
        wanted.update(tuple(r) for r in connection.exec_driver_sql(select))
    return Drift(
        missing=sorted((wanted - stored).elements(), key=repr), extra=sorted((stored - wanted).elements(), key=repr)
    )


_RAW: dict[str, dict[str, Any]] = {}


def _raw_sql(dialect: Any) -> dict[str, Any]:
    """drift's statements as SQL text, compiled once per database (the test suite checks drift
    after every test, each with an engine, and so a compiled cache, of its own)."""
    if dialect.name not in _RAW:

        def text(statement: Any) -> str:
            return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))

        _RAW[dialect.name] = {
            "stored": text(sa.select(*(FACTS.c[name] for name in COLUMNS))),
            "records": text(sa.select(sa.exists(sa.select(CALLS.c.id)), sa.exists(sa.select(FOLLOWUPS.c.id)))),
            "wanted": [text(select) for select in _every_fact()],
        }
    return _RAW[dialect.name]


# --- keeping the facts: session hooks --------------------------------------------------------

_PENDING = "report_facts.pending"


@dataclass(slots=True)
class _Pending:
    calls: set[int] = field(default_factory=set)
    incidents: set[int] = field(default_factory=set)
    followups: set[int] = field(default_factory=set)


@event.listens_for(OrmSession, "after_flush")
def _note_changes(session: OrmSession, _flush_context: Any) -> None:
    """Note which calls and follow-ups this flush changed (history still holds what it wrote)."""
    pending = session.info.get(_PENDING)
    for obj in chain(session.new, session.dirty, session.deleted):
        watch = WATCHED.get(type(obj))
        if watch is None:
            continue
        state = sa.inspect(obj)
        if obj in session.dirty and not any(state.attrs[name].history.has_changes() for name in watch.columns):
            continue
        if pending is None:
            pending = session.info[_PENDING] = _Pending()
        ids: set[int] = getattr(pending, watch.of)
        for value in chain((getattr(obj, watch.key),), state.attrs[watch.key].history.deleted or ()):
            if value is not None:
                ids.add(value)


@event.listens_for(OrmSession, "after_flush_postexec")
def _refresh_changed(session: OrmSession, _flush_context: Any) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is not None:
        refresh(
            session.connection(),
            call_ids=pending.calls,
            incident_ids=pending.incidents,
            followup_ids=pending.followups,
        )


@event.listens_for(OrmSession, "do_orm_execute")
def _check_bulk_writes(state: ORMExecuteState) -> None:
    """A bulk UPDATE or DELETE of a watched table must say what it did to the facts (OPTION)."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in _WATCHED_TABLES:
        return
    if state.execution_options.get(OPTION) not in ("unchanged", "refreshed"):
        log.error(
            "a bulk %s of %s does not say what it does to the report facts (execution option %r): "
            "the figures may be off until `flask --app wsgi reports rebuild-facts`",
            "UPDATE" if state.is_update else "DELETE",
            table.name,  # type: ignore[union-attr]
            OPTION,
        )
