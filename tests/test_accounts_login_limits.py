"""Login limits: failed attempts only, per client address and per account, shared between workers through
Redis; several workers on memory:// refused; an unknown username takes as long as a wrong password."""

import os
import runpy
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from fieldapp.extensions import db, limiter
from fieldapp.models import User
from tests.conftest import app_config, csrf_from

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def limited_app(database_uri):
    """Apps with rate limits on (the other tests run without); their connections are closed afterwards."""
    from fieldapp import create_app

    apps = []

    def make(**config):
        apps.append(create_app({**app_config(database_uri), "RATELIMIT_ENABLED": True, **config}))
        return apps[-1]

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def attempt(app, username, password, address="10.0.0.1"):
    client = app.test_client()
    environ = {"REMOTE_ADDR": address}
    page = client.get("/login", environ_base=environ)
    data = {"username": username, "password": password, "csrf_token": csrf_from(page.text)}
    return client.post("/login", data=data, environ_base=environ).status_code


def test_a_team_of_eleven_behind_one_wifi_is_never_limited_by_logging_in(world, limited_app):
    app = limited_app(LOGIN_RATE_LIMIT="3 per minute")
    codes = [attempt(app, name, "secret-password") for name in ["a-volunteer", "a-lead", "a-supervisor"] * 4]
    assert codes == [303] * 12
    assert [attempt(app, "a-volunteer", "typo-password") for _ in range(4)] == [422, 422, 422, 429]


def test_wrong_passwords_for_one_account_spread_over_three_addresses_lock_it(world, limited_app):
    app = limited_app(LOGIN_RATE_LIMIT="10 per minute", LOGIN_ACCOUNT_RATE_LIMIT="20 per hour")
    addresses = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    codes = [attempt(app, "A-Volunteer ", f"guess-{i}", addresses[i % 3]) for i in range(25)]
    assert codes[:20] == [422] * 20 and set(codes[20:]) == {429}
    # Locked even with the right password from a fourth address; other accounts are unaffected.
    assert attempt(app, "a-volunteer", "secret-password", "10.0.0.4") == 429
    assert attempt(app, "a-lead", "secret-password", "10.0.0.1") == 303


def test_workers_sharing_redis_count_failed_logins_together(world, limited_app, redis_uri, monkeypatch):
    prefix = f"test-{uuid.uuid4().hex[:8]}"  # this test's counters only
    config = {"RATELIMIT_STORAGE_URI": redis_uri, "RATELIMIT_KEY_PREFIX": prefix}
    workers = [limited_app(LOGIN_ACCOUNT_RATE_LIMIT="6 per hour", **config) for _ in range(2)]
    # Flask-Limiter's one global object keeps the first prefix it was given (one app per process in production).
    monkeypatch.setattr(limiter, "_key_prefix", prefix)
    codes = [attempt(workers[i % 2], "a-volunteer", f"guess-{i}", f"10.0.1.{i}") for i in range(8)]
    assert codes == [422] * 6 + [429] * 2


def test_an_unknown_username_takes_as_long_as_a_wrong_password(world, app, client):
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:300000"  # a real cost, so that time can be compared
    user = db.session.scalar(select(User).where(User.username == "a-volunteer"))
    user.set_password("secret-password")
    db.session.commit()
    token = csrf_from(client.get("/login").text)

    def seconds(username):
        start = time.perf_counter()
        response = client.post("/login", data={"username": username, "password": "wrong", "csrf_token": token})
        assert response.status_code == 422
        return time.perf_counter() - start

    seconds("nobody-at-all")  # the dummy hash is made once per process
    known = min(seconds("a-volunteer") for _ in range(3))
    unknown = min(seconds("nobody-at-all") for _ in range(3))
    assert unknown > known / 2, (known, unknown)


def server(workers: int, storage: str | None = None):
    return SimpleNamespace(cfg=SimpleNamespace(workers=workers), log=SimpleNamespace(warning=print, critical=print))


def run_hook(monkeypatch, workers, storage, allow=None):
    import fieldapp.config

    monkeypatch.setattr(fieldapp.config.Config, "RATELIMIT_STORAGE_URI", storage)
    if allow:
        monkeypatch.setenv("FIELDAPP_ALLOW_MEMORY_LIMITS", allow)
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    hooks["on_starting"](server(workers))


def test_several_workers_with_limits_in_memory_refuse_to_start(monkeypatch):
    monkeypatch.setenv("FIELDAPP_GUNICORN_CONF", "")
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI=redis://"):
        run_hook(monkeypatch, 5, "memory://")
    run_hook(monkeypatch, 1, "memory://")
    run_hook(monkeypatch, 5, "redis://127.0.0.1:6379/0")
    run_hook(monkeypatch, 2, "memory://", allow="1")  # make run's demo: a warning, not a refusal


def test_gunicorn_itself_refuses_two_workers_on_memory_limits(tmp_path):
    env = {**os.environ, "RATELIMIT_STORAGE_URI": "memory://", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    env.pop("FIELDAPP_ALLOW_MEMORY_LIMITS", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    run = subprocess.run(  # noqa: S603 (our own gunicorn, fixed arguments)
        [str(gunicorn), "--workers", "2", "--bind", "127.0.0.1:0", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "Refusing to start" in run.stderr and "RATELIMIT_STORAGE_URI=redis://" in run.stderr
