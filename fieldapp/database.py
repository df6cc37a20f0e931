"""Database connection behaviour that both SQLite and PostgreSQL deployments rely on.

SQLite is the embedded default. Several gunicorn workers share one file, so every connection
runs in WAL mode, and SQLite has one writer at a time. A transaction therefore starts as a
reader (BEGIN) and takes the write lock only when it is about to write, for as short a time as
possible: the reads of a request (the user, the tag, the form, the page it renders after
committing) never hold other workers up.

Taking the lock happens here, once for every caller, just before the first statement that writes
(INSERT, UPDATE, DELETE, SAVEPOINT...) or reads to write (SELECT ... FOR UPDATE, which SQLite does
not have): the read transaction is ended and BEGIN IMMEDIATE waits (busy_timeout) for the lock.
Upgrading the reader in place instead would fail at once with SQLITE_BUSY_SNAPSHOT ("database is
locked") whenever another worker committed since it began. From the lock on, everything the
transaction reads is current, as after PostgreSQL's SELECT ... FOR UPDATE; what it read before is
as of its start, as under PostgreSQL's READ COMMITTED. Code that decides on a row it is about to
change locks it first (`lock_site`), which is correct on both databases.
"""

import sqlite3
from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

#: How long a writer waits for SQLite's write lock before "database is locked". Writers hold it for a few
#: milliseconds, but SQLite's waiting is not a queue: under a burst one writer can lose several rounds in a row.
SQLITE_BUSY_TIMEOUT_MS = 15_000

#: Where this module keeps, per connection, whether the current SQLite transaction holds the write lock.
_STATE = "fieldapp_sqlite_transaction"
#: Where a session remembers which rows its current transaction has locked (SELECT ... FOR UPDATE).
_LOCKED = "fieldapp_locked_rows"


def utcnow() -> datetime:
    """Naive UTC: what every DateTime column stores, on both databases."""
    return datetime.now(UTC).replace(tzinfo=None)


def _configure_sqlite(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event below issue BEGIN itself instead of pysqlite's implicit one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_sqlite(conn):
    if conn.dialect.name != "sqlite":
        return
    conn.info[_STATE] = "begin"
    conn.exec_driver_sql("BEGIN")
    conn.info[_STATE] = "read"


def _end_sqlite(conn):
    if conn.dialect.name == "sqlite":
        conn.info[_STATE] = None


def _reads_only(statement: str, context) -> bool:
    verb = statement.lstrip()[:6].upper()
    if verb == "PRAGMA":
        return True
    if verb != "SELECT":
        return False
    compiled = getattr(context, "compiled", None)
    return getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is None


def _lock_before_writing(conn, cursor, statement, _parameters, context, _executemany):
    if conn.dialect.name != "sqlite" or conn.info.get(_STATE) != "read" or _reads_only(statement, context):
        return
    # End the reader (it wrote nothing) and start over as the writer, waiting for the lock.
    cursor.execute("COMMIT")
    try:
        cursor.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        cursor.execute("BEGIN")  # still inside a transaction, never in autocommit; the caller sees the error
        raise
    conn.info[_STATE] = "write"


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds, for a response that shows what was just written.

    Everything loaded stays as this transaction saw it, so rendering reads nothing again; use it only
    where that is exactly what the user should see (their own write, its row locked while deciding).
    """
    from fieldapp.extensions import db

    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def add_once(row) -> bool:
    """Insert `row` in a savepoint; False when its unique key (a client id sent twice by two racing requests)
    is stored already. The row is then out of the session, and the caller answers with the stored one."""
    return add_all_once([row])


def add_all_once(rows: list) -> bool:
    """Insert `rows` together (one INSERT of many rows where the database allows) in a savepoint; False, none of
    them inserted and all out of the session, when the unique key of any is stored already."""
    from sqlalchemy.exc import IntegrityError

    from fieldapp.extensions import db

    try:
        with db.session.begin_nested():
            db.session.add_all(rows)
    except IntegrityError:
        for row in rows:
            if row in db.session:
                db.session.expunge(row)
        return False
    return True


def planned_generically(connection):
    """`connection`, every statement after this in its transaction planned for any values (PostgreSQL only).

    A plan made for the values at hand believes a day newer than the visits table's statistics holds no visit, and
    autovacuum ANALYZEs the table only after a tenth of it changed: days, at a campaign's size. Planned for today, the
    trust evidence could read the whole district's day by `ix_visits_day` (a busy day: 5.7-15.4 ms); planned for any
    day, it read the volunteer's by `ix_visits_user_day` (0.6-2.6 ms) on a district with many volunteers in its history
    (bench/evidence_plans.py; bench/README.md, "2026-12-03, late night"). The setting ends with the transaction."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    return connection


def holds_write_lock(connection) -> bool:
    """True when `connection`'s SQLite transaction has taken the write lock (for tests and the bench)."""
    return connection.info.get(_STATE) == "write"


def locked_rows(session: Session, model) -> set:
    """The ids of `model` rows the session's current transaction has locked; callers add to it.

    Locking a row twice in one transaction is harmless but costs a statement (and on SQLite a
    needless write lock): a caller that finds the id here already holds the row.
    """
    return session.info.setdefault(_LOCKED, {}).setdefault(model, set())


def _forget_locked_rows(session: Session, transaction) -> None:
    if transaction.parent is None:  # locks end with the whole transaction
        session.info.pop(_LOCKED, None)


def _forget_locked_rows_on_rollback(session: Session) -> None:
    session.info.pop(_LOCKED, None)  # a savepoint rolled back may have released some: lock again


#: (target, event, listener): what `install_events` hooks in.
EVENTS = (
    (Engine, "connect", _configure_sqlite),
    (Engine, "begin", _begin_sqlite),
    (Engine, "commit", _end_sqlite),
    (Engine, "rollback", _end_sqlite),
    (Engine, "before_cursor_execute", _lock_before_writing),
    (Session, "after_transaction_end", _forget_locked_rows),
    (Session, "after_rollback", _forget_locked_rows_on_rollback),
)


def install_events() -> None:
    """Hook the connection and session behaviour above into SQLAlchemy; the app factory calls it (once is enough)."""
    for target, name, listener in EVENTS:
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)
