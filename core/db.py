"""The declarative base, column helpers and the database session rules for both engines."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, SessionTransaction
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


# Integer primary keys that are 64-bit on PostgreSQL and still autoincrement on SQLite.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always returned timezone-aware (SQLite keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, honouring an explicit `bind` (tests join an outer transaction)."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper, clause=clause, bind=bind, **kwargs)


def configure_engine(engine: Engine) -> None:
    """SQLite: WAL, foreign keys, a busy timeout and write transactions that take the lock up front.

    Python's sqlite3 begins transactions lazily, so two writers that both read first deadlock
    into "database is locked". `BEGIN IMMEDIATE` takes the write lock at the start instead, and
    the busy timeout makes a writer of another process wait for it.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    writer = _writer_lock(str(engine.url.database))

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READS_ONLY):
            # A reader (see `read_only`): a deferred BEGIN is a snapshot that waits for no
            # writer, and query_only makes a write through it fail instead of taking the lock.
            connection.connection.info["query_only"] = True
            connection.exec_driver_sql("PRAGMA query_only = ON")
            connection.exec_driver_sql("BEGIN")
            return
        # Queue this process's writers on a lock that wakes the next one at once, instead of
        # SQLite's busy handler, which sleeps in growing steps (a long tail under load). Another
        # process still waits through the busy timeout.
        held = writer.acquire(timeout=WRITER_WAIT_S)
        if not held:
            log.warning("waited %s s for the SQLite writer lock; going on with SQLite's own wait", WRITER_WAIT_S)
        connection.info["holds_writer_lock"] = held
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            _release(connection)
            raise

    def _release(connection: Any) -> None:
        if connection.info.pop("holds_writer_lock", False):
            writer.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        if record.info.pop("query_only", False) and dbapi_connection is not None:
            dbapi_connection.execute("PRAGMA query_only = OFF")  # the pool lends it to writers next


WRITER_WAIT_S = 10.0
_writer_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()


def _writer_lock(database: str) -> threading.Lock:
    """One lock per database file, shared by every engine of this process on that file."""
    with _writer_locks_guard:
        return _writer_locks.setdefault(database, threading.Lock())


# --- transactions around slow work -------------------------------------------------------------

READS_ONLY = "crisis_reads_only"  # execution option of the connections `read_only` gives
_WROTE = "crisis_wrote"  # session.info flag: this transaction has written


def read_only(engine: Engine) -> Connection:
    """A connection for reads that must not queue behind writers, nor make them queue: on SQLite
    its transactions take no writer lock (a deferred BEGIN: a snapshot) and refuse writes.
    Use it as `with read_only(engine) as connection: ...`."""
    return engine.connect().execution_options(**{READS_ONLY: True})


def end_reads(session: Any) -> None:
    """End the session's transaction, which has only read, before work that waits on the network.

    An open transaction holds a pooled connection and, on SQLite, this process's writer lock
    (`configure_engine`): a geocoder or router answer awaited inside one stalls every writer. The
    next statement begins a new transaction. Raises RuntimeError when the transaction has written
    something: ending it here would commit that work early, apart from the rest of its change.
    """
    if session.new or session.dirty or session.deleted or session.info.get(_WROTE):
        raise RuntimeError("end_reads: this transaction has written; finish that change before slow work")
    session.commit()


@event.listens_for(OrmSession, "after_flush")
def _flushed(session: OrmSession, _flush_context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(OrmSession, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(OrmSession, "after_transaction_end")
def _ended(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
