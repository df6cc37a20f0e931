"""The ground everything stands on: health, configuration, schema, languages, error pages."""

import secrets
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from babel.messages.pofile import read_po
from sqlalchemy import func, insert, select, text

from fieldapp import create_app
from fieldapp.config import database_url
from fieldapp.database import holds_write_lock
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, mask_phone
from fieldapp.navigation import safe_next
from fieldapp.tags.services import SHORT_CODE_ALPHABET, mint_tag
from fieldapp.visits.clock import working_day
from tests.conftest import app_config

ROOT = Path(__file__).resolve().parent.parent


# --- unit: no database -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        ("02187654321", "021****4321"),
        ("", ""),
        (None, ""),
        ("12345", "*****"),
        ("8765432", "***5432"),
        ("12345678", "****5678"),
    ],
)
def test_phone_numbers_are_masked(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("target", "expected"),
    [("/h/abc", "/h/abc"), ("//evil.example", "/"), ("https://evil.example", "/"), ("/\\evil", "/"), (None, "/")],
)
def test_redirects_stay_on_this_site(target, expected):
    assert safe_next(target, "/") == expected


def test_postgres_urls_use_psycopg_3(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db:5432/fieldapp")
    assert database_url() == "postgresql+psycopg://u@db:5432/fieldapp"
    monkeypatch.delenv("DATABASE_URL")
    assert database_url().startswith("sqlite:///") and database_url().endswith("instance/fieldapp.sqlite")


def test_a_thread_looking_up_a_date_while_another_does_finds_the_driver_s_adapter():
    """psycopg registers the date's adapter by name and swaps the name for the class on first use. Before 3.3.2 a
    thread that looked in between found neither: "cannot adapt type 'date'", a 500 in a new gthread worker's first
    seconds (seen in bench/submit_load.py on PostgreSQL). Here the other thread looks at that very moment."""
    from psycopg import adapters
    from psycopg.adapt import AdaptersMap, PyFormat

    found = []

    class OtherThreadLooksWhenANameGoes(dict):
        def pop(self, key, *default):
            value = super().pop(key, *default)
            if key == "datetime.date":
                found.append(mapping.get_dumper(date, PyFormat.AUTO))
            return value

    mapping = AdaptersMap(adapters)  # as SQLAlchemy's dialect makes one, its dates' adapter still known by name
    date_dumper = adapters.get_dumper(date, PyFormat.AUTO)
    mapping._dumpers[PyFormat.AUTO] = OtherThreadLooksWhenANameGoes({"datetime.date": date_dumper})
    assert mapping.get_dumper(date, PyFormat.AUTO) is date_dumper
    assert found == [date_dumper]


def test_a_visit_counts_for_the_phones_local_day_unless_its_clock_is_implausible():
    app = create_app(app_config("sqlite://"))
    server = datetime(2026, 11, 23, 17, 0)  # 01:00 on the 24th in Beijing
    with app.app_context():
        assert str(working_day(datetime(2026, 11, 23, 15, 30), server)) == "2026-11-23"  # 23:30 local, sent late
        assert str(working_day(server, server)) == "2026-11-24"
        assert str(working_day(server + timedelta(hours=3), server)) == "2026-11-24"  # phone clock ahead: server's day
        assert str(working_day(server - timedelta(days=30), server)) == "2026-11-24"
        assert str(working_day(None, server)) == "2026-11-24"


def test_the_health_check_answers_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(app_config(f"sqlite:///{tmp_path}/missing-dir/x.sqlite"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "db": "unreachable"}


def test_every_message_has_a_chinese_translation():
    with open(ROOT / "fieldapp/translations/zh/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
    # The same checks `pybabel compile` runs at set-up (e.g. placeholders that do not match).
    problems = [(message.id, [str(error) for error in errors]) for message, errors in catalog.check()]
    assert problems == []
    assert len(catalog) > 100


# --- integration: both databases ---------------------------------------------------------


def test_the_health_check_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok"}


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_numbers_are_grouped_as_babel_would_group_them(locale):
    from babel.numbers import format_decimal
    from flask_babel import force_locale

    from fieldapp import number

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    with app.test_request_context("/"), force_locale(locale):
        for value in (0, None, 7, 999, 1000, 1234567, -4321, 2.5, 3.5, 1234.56):
            expected = format_decimal(value or 0, format="#,##0", locale=locale)
            assert number(value) == expected, value
            assert app.jinja_env.filters["number"](value) == expected, value  # the templates' (comma-only) filter
        percent = app.jinja_env.filters["percent"]
        for value in (0, 12.25, 12.35, 99.95, 1234.56):
            assert percent(value) == format_decimal(value, format="#,##0.0", locale=locale) + "%", value
        assert percent(None) == "–"


def test_browsers_find_a_tab_icon_without_logging_in(client):
    page = client.get("/login").text
    assert 'rel="icon" href="/static/favicon.svg?v=' in page
    assert client.get("/static/favicon.svg").data.startswith(b"<svg")
    icon = client.get("/favicon.ico")  # what browsers ask for when a page names none (a 404 costs Lighthouse points)
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert icon.cache_control.max_age == 7 * 24 * 3600


def test_the_migrations_build_exactly_the_models(app):
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_template, tmp_path):
    path = tmp_path / "wal.sqlite"
    shutil.copy(sqlite_template, path)
    app = create_app(app_config(f"sqlite:///{path}"))
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    with app.app_context():
        db.engine.dispose()


def test_sqlite_writers_hold_the_lock_only_to_write_and_see_what_others_committed(sqlite_template, tmp_path):
    path = tmp_path / "lock.sqlite"
    shutil.copy(sqlite_template, path)
    app = create_app(app_config(f"sqlite:///{path}"))
    events = AuditEvent.__table__
    count = select(func.count(events.c.id))
    with app.test_request_context("/", method="POST"), db.engine.connect() as one, db.engine.connect() as other:
        with one.begin():
            assert one.execute(count).scalar() == 0  # a reader, holding a snapshot
            assert not holds_write_lock(one)
            with other.begin():  # meanwhile another worker writes and commits: our reads never held it up
                other.execute(insert(events).values(action="test.other", object_type="test"))
                assert holds_write_lock(other)
            # Upgrading the reader in place would fail here with SQLITE_BUSY_SNAPSHOT ("database is locked").
            one.execute(insert(events).values(action="test.one", object_type="test"))
            assert holds_write_lock(one)
            assert one.execute(count).scalar() == 2  # under the lock, reads are current
        with one.begin():
            one.execute(select(events.c.id).with_for_update())  # reading to write takes the lock too
            assert holds_write_lock(one)
    with app.app_context():
        db.engine.dispose()


def test_door_tags_are_unguessable_and_carry_no_row_ids(world):
    tags = [site.active_tag for site in world.a.sites]
    assert len({tag.token for tag in tags}) == len(tags)
    for tag in tags:
        assert len(tag.token) >= 16  # token_urlsafe(12): 96 random bits
        assert str(tag.site_id) != tag.token
        assert set(tag.short_code) <= set(SHORT_CODE_ALPHABET) and len(tag.short_code) == 8
    spare = mint_tag(world.a.building)
    assert spare.site_id is None and spare.bound_at is None


def test_pages_are_chinese_first_and_the_switch_sticks(client):
    assert "登录" in client.get("/login").text
    response = client.get("/lang/en?next=/login")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    page = client.get("/login").text
    assert '<html lang="en">' in page and "Log in" in page and "简体中文" in page
    client.get("/lang/zh")
    assert '<html lang="zh-CN">' in client.get("/login").text


def test_an_unknown_language_changes_nothing(client):
    client.get("/lang/xx")
    assert "登录" in client.get("/login").text


def test_error_pages_are_translated_and_show_no_trace(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "未找到" in response.text and "Traceback" not in response.text


def test_an_unexpected_error_shows_a_plain_page(app):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError(secrets.token_hex(4))

    response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500
    assert "系统出错了" in response.text and "RuntimeError" not in response.text
