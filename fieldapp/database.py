"""Database connection behaviour that both SQLite and PostgreSQL deployments rely on.

SQLite is the embedded default. Several gunicorn workers share one file, so every
connection runs in WAL mode, and a transaction that will write starts with
BEGIN IMMEDIATE: it takes the write lock up front and waits (busy_timeout) instead of
failing later with "database is locked" when two workers upgrade at once.
"""

import sqlite3
from datetime import UTC, datetime

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}


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
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(conn):
    if conn.dialect.name != "sqlite":
        return
    reads_only = has_request_context() and request.method in READ_ONLY_METHODS
    conn.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")
