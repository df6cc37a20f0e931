"""/healthz tells a load balancer whether this server can still record a visit, not just read."""

import sqlite3
import threading
import time

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from fieldapp import create_app
from fieldapp.extensions import db
from fieldapp.models import Setting
from tests.conftest import app_config


def test_a_healthy_server_writes_its_heartbeat_and_answers_ok(app, client):
    assert client.get("/healthz").json == {"status": "ok", "db": "ok"}
    first = db.session.scalar(select(Setting.value).where(Setting.name == "heartbeat"))
    time.sleep(0.01)
    assert client.get("/healthz").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(Setting.value).where(Setting.name == "heartbeat")) > first  # one row, updated


def test_a_full_disk_answers_503_with_the_reason(app, client, monkeypatch):
    def full(_connection):
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(Connection, "commit", full)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "db": "full"}  # the error's own text stays in the log


def test_a_read_only_database_file_answers_503(sqlite_template, tmp_path):
    path = tmp_path / "fieldapp.sqlite"
    path.write_bytes(sqlite_template.read_bytes())
    # Opened read-only, as a file mounted read-only or owned by another user would be (chmod means nothing to root).
    app = create_app(app_config(f"sqlite:///file:{path}?mode=ro&uri=true"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["db"] == "read_only"
    with app.app_context():
        db.engine.dispose()


def test_a_database_locked_past_a_short_wait_answers_503_quickly(app, client):
    """Another writer holding the lock for long: the probe gives up after about two seconds, not fifteen."""
    db.session.commit()
    url = db.engine.url
    holder = create_engine(url)
    held, release = threading.Event(), threading.Event()

    def hold_the_lock():
        with holder.connect() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql(
                    "INSERT INTO settings (name, value, updated_at) VALUES ('x', '', '2026-01-01')"
                )
            else:  # the heartbeat row itself, locked by an open transaction
                connection.execute(
                    text("INSERT INTO settings (name, value, updated_at) VALUES ('heartbeat', '', now())")
                )
            held.set()
            release.wait(10)
            connection.rollback()

    thread = threading.Thread(target=hold_the_lock)
    thread.start()
    try:
        assert held.wait(10)
        started = time.monotonic()
        response = client.get("/healthz")
        waited = time.monotonic() - started
    finally:
        release.set()
        thread.join()
        holder.dispose()
    assert response.status_code == 503, response.json
    assert response.json["db"] == "locked"
    assert 1.5 < waited < 6
    assert client.get("/healthz").status_code == 200  # and well again once the lock is gone


def test_the_probe_needs_no_login_and_no_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
