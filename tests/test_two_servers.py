"""Two app servers, one PostgreSQL, one Redis (issue 18), as a city runs them behind a load balancer: phones send
their visits to either server through the API; one server is killed (-9, master and workers) in the middle of the
load, and each phone sends what was not acknowledged again to the other server, as the outbox does. Every
acknowledged visit is stored once, the tallies equal a recount, and failed logins count across both servers."""

import http.cookiejar
import json
import os
import signal
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fieldapp import create_app
from fieldapp.api.tokens import issue_token
from fieldapp.extensions import db
from fieldapp.models import Area, Visit
from fieldapp.site_counts import recount_site_differences
from fieldapp.tallies import area_totals, recount_differences
from tests.conftest import app_config, csrf_from, empty_postgres_database, unavailable
from tests.factories import make_world
from tests.test_accounts_login_limits import REDIS
from tests.test_slow_clients import free_port, healthz_seconds

ROOT = Path(__file__).resolve().parent.parent
PHONES, VISITS_PER_PHONE = 4, 20
#: The first server is killed once this many visits were acknowledged: the load is well under way.
KILL_AFTER = 25


class AppServer:
    """`gunicorn --config gunicorn.conf.py` (the deployment's settings) on a loopback port, in its own session."""

    def __init__(self, database_url: str, env: dict, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", "gunicorn.conf.py", "--workers", "2"]
        command += ["--bind", f"127.0.0.1:{self.port}", "wsgi:app"]
        self.log = log.open("w")
        self.process = subprocess.Popen(  # noqa: S603 (our own gunicorn)
            command,
            cwd=ROOT,
            env={**env, "DATABASE_URL": database_url},
            start_new_session=True,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> None:
        for _ in range(150):
            assert self.process.poll() is None, "gunicorn exited before answering"
            if healthz_seconds(self.base, timeout=2) is not None:
                return
            threading.Event().wait(0.2)
        raise AssertionError("gunicorn did not answer in 30 s")

    def kill(self) -> None:
        """As a host that dies: SIGKILL to the master and its workers, no request finished, nothing cleaned up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


def send_visit(base: str, key: str, body: dict) -> int | None:
    """The API's status for this visit, or None when the server did not answer (refused, reset, timed out)."""
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{base}/api/v1/visits",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def failed_login(base: str, username: str) -> int:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(f"{base}/login", timeout=10) as page:
        token = csrf_from(page.read().decode())
    data = urllib.parse.urlencode({"username": username, "password": "a-wrong-guess", "csrf_token": token})
    try:
        with opener.open(f"{base}/login", data=data.encode(), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS).ping()
    except redis.exceptions.ConnectionError as error:
        unavailable(f"Redis at {REDIS} unavailable: {error}")
    return REDIS


@pytest.fixture
def shared_database(postgres_url):
    """The run's PostgreSQL database with a small district and an API key per phone; emptied afterwards."""
    app = create_app(app_config(postgres_url))
    with app.app_context():
        world = make_world()
        keys = [issue_token(world.a.volunteer, f"phone {n}", world.admin)[1] for n in range(PHONES)]
        tags = [site.active_tag.token for site in world.a.sites if site.residents]
        db.session.commit()
        yield postgres_url, app, world.a.area.id, keys, tags
        db.session.remove()
        empty_postgres_database(db.engine)
        db.engine.dispose()


def test_two_servers_one_killed_mid_load_lose_no_visit_and_share_login_limits(shared_database, redis_url, tmp_path):
    database_url, app, station_id, keys, tags = shared_database
    env = {
        **{name: value for name, value in os.environ.items() if name != "FIELDAPP_ALLOW_MEMORY_LIMITS"},
        "SECRET_KEY": "two-servers-secret",
        "FIELDAPP_SECURE_COOKIES": "0",
        "RATELIMIT_STORAGE_URI": redis_url,
        "FIELDAPP_RATELIMIT_KEY_PREFIX": f"two-servers-{uuid.uuid4().hex[:8]}",  # this test's counters only
        "FIELDAPP_LOGIN_ACCOUNT_RATE_LIMIT": "4 per hour",
        "FIELDAPP_API_RATE_LIMIT": "100000 per minute",
    }
    doomed, survivor = (AppServer(database_url, env, tmp_path / f"gunicorn-{n}.log") for n in (1, 2))
    try:
        doomed.wait_ready()
        survivor.wait_ready()

        # Four wrong passwords for one account, two on each server: the fifth is refused on both.
        codes = [failed_login(server.base, "a-supervisor") for server in (doomed, survivor, doomed, survivor)]
        assert codes == [422] * 4
        assert failed_login(survivor.base, "a-supervisor") == 429
        assert failed_login(doomed.base, "a-supervisor") == 429

        acknowledged, failovers, lock = [], [], threading.Lock()
        enough = threading.Event()

        def phone(number: int) -> None:
            servers = [doomed, survivor] if number % 2 == 0 else [survivor, doomed]
            for n in range(VISITS_PER_PHONE):
                body = {"client_uuid": str(uuid.uuid4()), "tag": tags[(number + n) % len(tags)], "outcome": "talked"}
                body.update(people_reached=1, app_installs=n % 2)
                for attempt in range(6):  # the outbox: the same visit again, to the other server
                    status = send_visit(servers[attempt % 2].base, keys[number], body)
                    if status in (200, 201):
                        with lock:
                            acknowledged.append((body["client_uuid"], servers[attempt % 2] is doomed))
                            if len(acknowledged) >= KILL_AFTER:
                                enough.set()
                        break
                    assert status is None or status >= 500, f"refused with {status}"
                    with lock:
                        failovers.append(body["client_uuid"])

        phones = [threading.Thread(target=phone, args=(n,)) for n in range(PHONES)]
        for thread in phones:
            thread.start()
        assert enough.wait(timeout=120)
        doomed.kill()
        for thread in phones:
            thread.join(timeout=180)
        assert survivor.process.poll() is None
    finally:
        doomed.kill()
        survivor.kill()

    # The kill came in the middle: some visits were acknowledged by the killed server, and some sent to it
    # went unanswered and were sent again to the other.
    assert any(by_doomed for _uuid, by_doomed in acknowledged)
    assert failovers
    # Every visit of every phone acknowledged, and stored exactly once.
    sent = {client_uuid for client_uuid, _by_doomed in acknowledged}
    assert len(sent) == PHONES * VISITS_PER_PHONE
    with app.app_context():
        stored = db.session.execute(
            select(Visit.client_uuid, func.count()).where(Visit.client_uuid.in_(sent)).group_by(Visit.client_uuid)
        ).all()
        assert len(stored) == len(sent) and {count for _uuid, count in stored} == {1}
        assert db.session.scalar(select(func.count()).select_from(Visit)) == len(sent)
        # The tallies, written by two servers' workers (one killed mid-transaction), equal a recount.
        assert recount_differences() == []
        assert recount_site_differences() == []
        assert area_totals(db.session.get(Area, station_id)).visits == len(sent)
