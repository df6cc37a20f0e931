"""Backups a district can rely on: taken while volunteers keep recording, restored whole, and private."""

import os
import re
import shutil
import stat
import threading
import time
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from fieldapp import backup, create_app
from fieldapp.extensions import db
from fieldapp.models import Site, User, Visit
from fieldapp.site_counts import recount_site_differences
from fieldapp.tallies import recount_differences
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit
from tests.conftest import MIGRATIONS, app_config, unavailable
from tests.test_roster import csv_bytes, good_rows, upload


def private(path: Path) -> bool:
    """Readable and writable by its owner only: nothing for the group or anyone else."""
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def needs_pg_tools():
    for name in ("pg_dump", "pg_restore"):
        if not shutil.which(name):
            unavailable(f"{name} is not on PATH (Debian package postgresql-client)")


class Volunteer(threading.Thread):
    """Records visits through the real service, one committed transaction each, until told to stop.

    `acknowledged` grows only after a commit returned: what a phone would have been told is saved.
    """

    def __init__(self, app, user_id: int, site_ids: list[int]):
        super().__init__(daemon=True)
        self.app, self.user_id, self.site_ids = app, user_id, site_ids
        self.acknowledged: list[str] = []
        self.stop, self.errors = threading.Event(), []

    def run(self):
        with self.app.app_context():
            n = 0
            while not self.stop.is_set():
                client_uuid = str(uuid.uuid4())
                try:
                    user = db.session.get(User, self.user_id)
                    site = db.session.get(Site, self.site_ids[n % len(self.site_ids)])
                    record_visit(user, site, VisitInput("talked", 2, 1, note="drill"), client_uuid)
                    db.session.commit()
                except Exception as error:  # reported by the test, never swallowed
                    self.errors.append(error)
                    db.session.rollback()
                    break
                self.acknowledged.append(client_uuid)
                n += 1
            db.session.remove()

    def wait_for(self, count: int):
        deadline = time.monotonic() + 60
        while len(self.acknowledged) < count and not self.errors and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not self.errors and len(self.acknowledged) >= count


def fresh_postgresql(url: str):
    """A new empty database beside the test's own; returns its URL and a function that drops it."""
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"fieldapp_restore_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(url).set(database=name).render_as_string(hide_password=False), drop


def test_restore_drill_every_acknowledged_visit_survives_a_backup_under_load(app, world, tmp_path, capsys):
    """Back up while a volunteer keeps recording, restore into a fresh database, recount: nothing lost."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not backup.is_sqlite(url):
        needs_pg_tools()
    runner = app.test_cli_runner()
    volunteer = Volunteer(app, world.a.volunteer.id, [site.id for site in world.a.sites])
    db.session.commit()  # the test holds no transaction while the volunteer writes
    volunteer.start()
    try:
        volunteer.wait_for(50)
        before = list(volunteer.acknowledged)  # every one of these was committed before the backup began
        target = tmp_path / "backups" / "drill.backup"
        result = runner.invoke(args=["backup", str(target)])
        during = len(volunteer.acknowledged) - len(before)
        volunteer.wait_for(len(volunteer.acknowledged) + 20)  # and still writing after it
    finally:
        volunteer.stop.set()
        volunteer.join(30)
    assert result.exit_code == 0, result.output
    assert not volunteer.errors
    assert private(target)

    if backup.is_sqlite(url):
        restored_url, drop = f"sqlite:///{tmp_path / 'restored' / 'fieldapp.sqlite'}", lambda: None
    else:
        restored_url, drop = fresh_postgresql(url)
    restored = create_app(app_config(restored_url))
    try:
        runner = restored.test_cli_runner()
        with restored.app_context():  # the commands run on the restored app, not the test's own
            for command in (["restore", str(target)], ["db", "upgrade"], ["verify-tallies"]):
                result = runner.invoke(args=command)
                assert result.exit_code == 0, result.output
            assert recount_differences() == []
            assert recount_site_differences() == []
            present = set(db.session.scalars(select(Visit.client_uuid).where(Visit.client_uuid.in_(before))))
            total = db.session.scalar(select(func.count(Visit.id)))
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
    with capsys.disabled():
        print(
            f"\nrestore drill ({make_url(url).get_backend_name()}): {len(before)} acknowledged before the backup,"
            f" {len(present)} of them restored; {during} acknowledged during it; {total} visits in the copy"
        )
    assert present == set(before)


def test_sqlite_backup_defaults_to_a_dated_private_file_under_instance_backups(app, world, monkeypatch, tmp_path):
    if not backup.is_sqlite(app.config["SQLALCHEMY_DATABASE_URI"]):
        pytest.skip("the SQLite file backup")
    monkeypatch.setattr(backup, "BACKUP_DIR", tmp_path / "instance" / "backups")
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    (made,) = (tmp_path / "instance" / "backups").iterdir()
    assert re.fullmatch(r"fieldapp-\d{8}-\d{6}\.sqlite", made.name)
    assert private(made) and private(made.parent)
    assert str(made) in result.output
    # One self-contained file: nothing waits in a -wal beside it.
    assert not Path(f"{made}-wal").exists()


def test_restore_refuses_to_overwrite_a_live_sqlite_database_without_force(app, world, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not backup.is_sqlite(url):
        pytest.skip("the SQLite file restore")
    runner = app.test_cli_runner()
    target = tmp_path / "copy.sqlite"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    assert runner.invoke(args=["backup", str(target)]).exit_code != 0  # never overwrites an earlier backup
    visits = db.session.scalar(select(func.count(Visit.id)))
    record_visit(world.a.volunteer, world.a.sites[0], VisitInput("talked", 1, 1), str(uuid.uuid4()))
    db.session.commit()

    refused = runner.invoke(args=["restore", str(target)])
    assert refused.exit_code != 0 and "--force" in refused.output
    assert db.session.scalar(select(func.count(Visit.id))) == visits + 1  # untouched

    db.session.remove()
    forced = runner.invoke(args=["restore", "--force", str(target)])
    assert forced.exit_code == 0, forced.output
    assert db.session.scalar(select(func.count(Visit.id))) == visits  # as it was at the backup


def test_postgresql_backup_prints_the_pg_dump_command_when_the_tool_is_missing(app, monkeypatch, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if backup.is_sqlite(url):
        pytest.skip("PostgreSQL's tools")
    monkeypatch.setattr(backup, "tool", lambda _name: None)
    secret_url = make_url(url).set(password="s3cret").render_as_string(hide_password=False)
    monkeypatch.setitem(app.config, "SQLALCHEMY_DATABASE_URI", secret_url)
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.dump")])
    assert result.exit_code != 0
    database = make_url(url).database
    assert re.search(
        rf"pg_dump --format=custom .*--file={re.escape(str(tmp_path))}/x\.dump postgresql://\S+/{database}",
        result.output,
    )
    assert "s3cret" not in result.output and "PGPASSWORD" in result.output
    assert not (tmp_path / "x.dump").exists()


def test_a_new_database_file_and_its_wal_are_private(tmp_path):
    path = tmp_path / "new.sqlite"
    app = create_app(app_config(f"sqlite:///{path}"))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            assert Path(f"{path}-wal").exists()
            assert all(private(p) for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")))
        db.engine.dispose()


def test_an_uploaded_roster_file_waits_in_the_database_and_the_queue_file_is_private(app, world, browser, tmp_path):
    from huey import SqliteHuey

    from fieldapp.models import Job

    browser.login("a-lead")
    data = csv_bytes(good_rows(world, buildings=1, floors=1, per_floor=2))
    upload(browser, data, "a.csv")
    (job,) = db.session.scalars(select(Job)).all()
    assert job.data == data  # every app server and worker reads it; no file on one host
    queue_file = tmp_path / "queue.sqlite"  # the embedded queue (instance/queue.sqlite) holds job progress
    SqliteHuey("fieldapp", filename=str(queue_file)).put("job:x", {"done": 1})
    assert private(queue_file)
    assert os.umask(0o077) == 0o077  # the process umask create_app set


def test_the_sqlite_backup_api_copy_is_consistent_while_the_source_writes(tmp_path):
    """The low-level copy alone: a file with an uncommitted writer open still backs up what was committed."""
    import sqlite3

    source = tmp_path / "s.sqlite"
    connection = sqlite3.connect(source, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE t (x)")
    connection.execute("INSERT INTO t VALUES (1)")
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO t VALUES (2)")  # not committed: not in the copy
    copied = backup.backup_sqlite(source, tmp_path / "c.sqlite")
    connection.execute("COMMIT")
    connection.close()
    check = sqlite3.connect(copied.path)
    assert check.execute("SELECT x FROM t").fetchall() == [(1,)]
    check.close()
