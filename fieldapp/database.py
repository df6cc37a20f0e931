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

#: How long a writer waits for SQLite's write lock before "database is locked". Writers hold it for a few
#: milliseconds, but SQLite's waiting is not a queue: under a burst one writer can lose several rounds in a row.
SQLITE_BUSY_TIMEOUT_MS = 15_000

#: Where this module keeps, per connection, whether the current SQLite transaction holds the write lock.
_STATE = "fieldapp_sqlite_transaction"


def utcnow() -> datetime:
    """Naive UTC: what every DateTime column stores, on both databases."""
    return datetime.now(UTC).replace(tzinfo=None)


@event.listens_for(Engine, "connect")
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


@event.listens_for(Engine, "begin")
def _begin_sqlite(conn):
    if conn.dialect.name != "sqlite":
        return
    conn.info[_STATE] = "begin"
    conn.exec_driver_sql("BEGIN")
    conn.info[_STATE] = "read"


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
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


@event.listens_for(Engine, "before_cursor_execute")
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


def holds_write_lock(connection) -> bool:
    """True when `connection`'s SQLite transaction has taken the write lock (for tests and the bench)."""
    return connection.info.get(_STATE) == "write"
