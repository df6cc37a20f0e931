"""Fixtures: an app on a freshly migrated database, once on SQLite and once on PostgreSQL.

Every integration test that takes `app` (or `client`, `world`, ...) runs on both databases.
The schema always comes from the Alembic migrations, never from create_all. With CI=true a
database or browser that is missing fails the run instead of skipping.
"""

import contextvars
import os
import re
import shutil
import uuid

# Queued jobs run at once in the process that queues them (Huey's immediate mode, in memory), so a test sees
# their outcome without a worker; tests/test_queue_worker.py starts a real worker where that is the point.
os.environ.setdefault("FIELDAPP_QUEUE_IMMEDIATE", "1")

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from fieldapp import create_app
from fieldapp.extensions import db
from tests.factories import World, make_world

IN_CI = os.environ.get("CI") == "true"
MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")


def unavailable(reason: str):
    """Skip locally; in CI a missing service is a failure, not a skip."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)


def app_config(database_uri: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "RATELIMIT_ENABLED": False,
        # Real scrypt costs 0.16 s per hash: over a second for each test's world of seven users.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


def migrate_database(database_uri: str) -> None:
    app = create_app(app_config(database_uri))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file migrated once; each test gets its own copy."""
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite"
    migrate_database(f"sqlite:///{path}")
    return path


#: The Redis the tests share (rate limits, the queue); each test keeps its keys apart with its own prefix.
REDIS = os.environ.get("FIELDAPP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_uri():
    """REDIS, once it answers; skipped locally without it, a failure in CI."""
    import redis

    try:
        redis.Redis.from_url(REDIS).ping()
    except redis.exceptions.ConnectionError as error:
        unavailable(f"Redis at {REDIS} unavailable: {error}")
    return REDIS


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this test run, migrated once, dropped at the end."""
    base = os.environ.get("FIELDAPP_TEST_DATABASE_URL")
    if not base:
        unavailable("FIELDAPP_TEST_DATABASE_URL is not set")
    base_url = make_url(base).set(drivername="postgresql+psycopg")
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    name = f"fieldapp_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no server, no rights: report it, skip or fail
        admin.dispose()
        unavailable(f"PostgreSQL at {base_url.render_as_string(hide_password=True)} unavailable: {error}")
    url = base_url.set(database=name).render_as_string(hide_password=False)
    migrate_database(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_uri(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "fieldapp.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        yield url
        engine = create_engine(url)
        empty_postgres_database(engine)
        engine.dispose()


def empty_postgres_database(engine) -> None:
    """Every table emptied and every id counting from 1 again, for the next test.

    DELETE with foreign keys not enforced (session_replication_role, which needs a superuser, as the test server
    gives) takes ~15 ms for a test's few rows; TRUNCATE of 31 tables took ~500 ms, whatever they held: a third
    of the PostgreSQL half of the suite. A server that refuses it gets TRUNCATE.
    """
    with engine.begin() as connection:
        tables = (
            connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename != 'alembic_version'")
            )
            .scalars()
            .all()
        )
        sequences = connection.execute(text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"))
        restart = [f"setval('{name}', 1, false)" for name in sequences.scalars()]
        try:
            with connection.begin_nested():
                connection.execute(text("SET LOCAL session_replication_role = replica"))
        except DBAPIError:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            return
        for table in tables:
            connection.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608 (names read from pg_tables)
        if restart:
            connection.execute(text(f"SELECT {', '.join(restart)}"))


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context and session, as it would under a real server.

    Without this, requests would share the test's app context: its session, its `g`, and
    with them the logged-in user and the locale cached by the first request.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()  # the request must see the test's data and not wait on its transaction
        # Buffered: a streamed body must be read inside the request's own context.
        kwargs.setdefault("buffered", True)
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # and the test must see what the request wrote
        return response


@pytest.fixture
def app(database_uri, tmp_path):
    app = create_app(app_config(database_uri))
    app.test_client_class = IsolatedClient
    # A GET request context, not a bare app context: the test's own reads must not take
    # SQLite's write lock (BEGIN IMMEDIATE), or the requests it makes would wait on it.
    with app.test_request_context("/"):
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def world(app) -> World:
    """Two stations with a few households each, and users bound to each."""
    return make_world()


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class Browser:
    """A logged-in user driving the test client the way a form-filling browser would."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = "secret-password"):
        page = self.client.get("/login")
        return self.client.post(
            "/login",
            data={"username": username, "password": password, "remember": "y", "csrf_token": csrf_from(page.text)},
        )

    def csrf(self) -> str:
        return csrf_from(self.client.get("/", follow_redirects=True).text)

    def post(self, url: str, data: dict, **kwargs):
        return self.client.post(url, data={"csrf_token": self.csrf(), **data}, **kwargs)


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)
