"""The migrations go both ways, on SQLite and PostgreSQL alike.

A fresh database upgrades to head, downgrades to base and upgrades again, and ends with exactly
the schema the models describe (what `flask db check` checks). Each run makes a database of its own:
the shared test databases must never be downgraded under the other tests.
"""

import os
import re
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from fieldapp import create_app
from fieldapp.extensions import db
from tests.conftest import MIGRATIONS, app_config, unavailable

#: What `file_template` in migrations/alembic.ini makes: date, time, revision id, slug.
FILE_NAME = re.compile(r"\d{4}_\d{2}_\d{2}_\d{4}_(?P<rev>[0-9a-f]{12})_\w+\.py")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """A database of its own, never migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    base = os.environ.get("FIELDAPP_TEST_DATABASE_URL")
    if not base:
        unavailable("FIELDAPP_TEST_DATABASE_URL is not set")
    base_url = make_url(base).set(drivername="postgresql+psycopg")
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    name = f"fieldapp_migrations_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no server, no rights: report it, skip or fail
        admin.dispose()
        unavailable(f"PostgreSQL at {base_url.render_as_string(hide_password=True)} unavailable: {error}")
    yield base_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def schema_objects() -> dict:
    """Tables, views, and on PostgreSQL the sequences and enum types a migration may leave behind."""
    inspector = inspect(db.engine)
    objects = {"tables": set(inspector.get_table_names()), "views": set(inspector.get_view_names())}
    if db.engine.dialect.name == "postgresql":
        objects["sequences"] = set(inspector.get_sequence_names())
        objects["enums"] = {enum["name"] for enum in inspector.get_enums()}
    return objects


def differences_from_the_models() -> list:
    with db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), db.metadata)


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_a_fresh_database_upgrades_downgrades_to_nothing_and_upgrades_again(empty_database):
    head = ScriptDirectory(MIGRATIONS).get_current_head()
    app = create_app(app_config(empty_database))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        assert current_revision() == head
        assert differences_from_the_models() == []
        at_head = schema_objects()
        assert {"sites", "visits", "alembic_version"} <= at_head["tables"]

        downgrade(directory=MIGRATIONS, revision="base")
        assert current_revision() is None
        left = schema_objects()
        assert left["tables"] == {"alembic_version"}  # only Alembic's own bookkeeping
        assert all(not names for kind, names in left.items() if kind != "tables"), left

        upgrade(directory=MIGRATIONS)
        assert current_revision() == head
        assert schema_objects() == at_head
        assert differences_from_the_models() == []
        db.engine.dispose()


def test_migration_files_list_in_the_order_they_apply():
    """`ls migrations/versions` shows the initial schema first and the head last."""
    script = ScriptDirectory(MIGRATIONS)
    applied = [revision.revision for revision in reversed(list(script.walk_revisions()))]
    files = sorted(name for name in os.listdir(script.versions) if name.endswith(".py"))
    assert all(FILE_NAME.fullmatch(name) for name in files), files
    assert [FILE_NAME.fullmatch(name)["rev"] for name in files] == applied


#: The head that the last landed release had: databases in the field are at it, holding real rows.
RELEASED_HEAD = "92f85873fde4"


def test_a_database_in_use_upgrades_to_head_with_its_rows(empty_database):
    """Migrations must work on a database that holds data, not only on an empty one: on SQLite a batch step that
    rebuilds `users` fails with "FOREIGN KEY constraint failed" once visits and audit events point at it."""
    app = create_app(app_config(empty_database))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision=RELEASED_HEAD)
        with db.engine.begin() as connection:
            rows = {
                "areas": "(id, level, name, path, resident_households, residents, created_at)"
                " VALUES (1, 'district', '测试区', '/1/', 1, 3, CURRENT_TIMESTAMP)",
                "users": "(id, username, password_hash, display_name, role, area_id, active, created_at)"
                " VALUES (1, 'v', 'x', '志愿者', 'volunteer', 1, TRUE, CURRENT_TIMESTAMP)",
                "sites": "(id, building_id, kind, unit, room, residents, status, created_at)"
                " VALUES (1, 1, 'household', '1', '101', 3, 'occupied', CURRENT_TIMESTAMP)",
                "visits": "(id, client_uuid, site_id, building_id, user_id, outcome, people_reached, app_installs,"
                " realname_regs, miniprogram_regs, notice_signed, receipt_collected, note, server_time, day,"
                " review_status) VALUES (1, 'u-1', 1, 1, 1, 'talked', 1, 1, 0, 0, FALSE, FALSE, '',"
                " CURRENT_TIMESTAMP, CURRENT_DATE, 'pending')",
                "audit_events": "(id, at, user_id, action, object_type, object_id)"
                " VALUES (1, CURRENT_TIMESTAMP, 1, 'visit.record', 'visit', 1)",
            }
            for table, values in rows.items():
                connection.execute(text(f"INSERT INTO {table} {values}"))
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT username, session_version FROM users")).all() == [("v", 0)]
            assert connection.execute(text("SELECT count(*) FROM visits")).scalar() == 1
        db.engine.dispose()


def test_the_visit_gap_migration_fills_each_visits_gap_to_the_volunteers_previous_one(empty_database):
    """Visits recorded before gaps were stored get them from the migration, as recording would have set them: by
    volunteer and day, in the order they happened (the phone's moment first), undone visits left out."""
    app = create_app(app_config(empty_database))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="f1a3c5e7b9d2")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO areas (id, level, name, path, resident_households, residents, created_at)"
                    " VALUES (1, 'district', '测试区', '/1/', 1, 3, CURRENT_TIMESTAMP)"
                )
            )
            for user in (1, 2):
                connection.execute(
                    text(
                        "INSERT INTO users (id, username, password_hash, display_name, role, area_id, active,"
                        " created_at) VALUES (:id, :name, 'x', '志愿者', 'volunteer', 1, TRUE, CURRENT_TIMESTAMP)"
                    ),
                    {"id": user, "name": f"v{user}"},
                )
            connection.execute(
                text(
                    "INSERT INTO sites (id, building_id, kind, unit, room, residents, status, created_at)"
                    " VALUES (1, 1, 'household', '1', '101', 3, 'occupied', CURRENT_TIMESTAMP)"
                )
            )
            # (id, user, server_time, recorded_at, undone): visit 4 arrived last but happened second.
            visits = [
                (1, 1, "2026-12-01 01:00:00", None, False),
                (2, 1, "2026-12-01 01:00:40", None, True),
                (3, 1, "2026-12-01 01:10:00", None, False),
                (4, 1, "2026-12-01 03:00:00", "2026-12-01 01:00:30", False),
                (5, 2, "2026-12-01 01:00:05", None, False),
                (6, 1, "2026-12-02 01:00:00", None, False),
            ]
            for visit_id, user, server_time, recorded_at, undone in visits:
                connection.execute(
                    text(
                        "INSERT INTO visits (id, client_uuid, site_id, building_id, user_id, outcome, people_reached,"
                        " app_installs, realname_regs, miniprogram_regs, notice_signed, receipt_collected, note,"
                        " server_time, recorded_at, day, review_status, undone_at) VALUES (:id, :uuid, 1, 1, :user,"
                        " 'not_home', 0, 0, 0, 0, FALSE, FALSE, '', :server_time, :recorded_at, :day, 'pending',"
                        " :undone_at)"
                    ),
                    {
                        "id": visit_id,
                        "uuid": f"u-{visit_id}",
                        "user": user,
                        "server_time": server_time,
                        "recorded_at": recorded_at,
                        "day": server_time[:10],
                        "undone_at": server_time if undone else None,
                    },
                )
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            gaps = dict(connection.execute(text("SELECT id, gap_s FROM visits")).all())
        assert gaps == {1: None, 2: None, 3: 570.0, 4: 30.0, 5: None, 6: None}
        db.engine.dispose()
