"""Two app servers, one PostgreSQL, one Redis (issue 18), as a city runs them behind a load balancer: phones send
their visits to either server through the API; one server is killed (-9, master and workers) in the middle of the
load, and each phone sends what was not acknowledged again to the other server, as the outbox does. Every
acknowledged visit is stored once, the tallies equal a recount, failed logins count across both servers, and a
roster import confirmed on the killed server is done by a queue worker on a third host and shown by the other."""

import os
import re
import threading
import time
import uuid

import pytest
import requests
from huey.storage import RedisStorage
from sqlalchemy import func, select

from bench.common import AppServer, failed_login, send_visit, start_worker
from fieldapp import create_app
from fieldapp.api.tokens import issue_token
from fieldapp.extensions import db
from fieldapp.models import Area, Site, Visit
from fieldapp.site_counts import recount_site_differences
from fieldapp.tallies import area_totals, recount_differences
from tests.conftest import app_config, csrf_from, empty_postgres_database
from tests.factories import make_world
from tests.test_roster import csv_bytes, good_rows

PHONES, VISITS_PER_PHONE = 4, 20
#: The first server is killed once this many visits were acknowledged: the load is well under way.
KILL_AFTER = 25


@pytest.fixture
def shared_database(postgres_url):
    """The run's PostgreSQL database with a small district and an API key per phone; emptied afterwards."""
    app = create_app(app_config(postgres_url))
    with app.app_context():
        world = make_world()
        keys = [issue_token(world.a.volunteer, f"phone {n}", world.admin)[1] for n in range(PHONES)]
        tags = [site.active_tag.token for site in world.a.sites if site.residents]
        roster = csv_bytes(good_rows(world, buildings=2))  # 200 doors of station A's grid
        db.session.commit()
        yield postgres_url, app, world.a.area.id, keys, tags, roster
        db.session.remove()
        empty_postgres_database(db.engine)
        db.engine.dispose()


def test_two_servers_one_killed_mid_load_lose_no_visit_share_login_limits_and_its_queued_import_finishes(
    shared_database, redis_uri, tmp_path
):
    database_url, app, station_id, keys, tags, roster = shared_database
    queue_name = f"two-servers-{uuid.uuid4().hex[:8]}"
    env = {
        **{name: value for name, value in os.environ.items() if name != "FIELDAPP_ALLOW_MEMORY_LIMITS"},
        "SECRET_KEY": "two-servers-secret",
        "FIELDAPP_SECURE_COOKIES": "0",
        "RATELIMIT_STORAGE_URI": redis_uri,
        "FIELDAPP_RATELIMIT_KEY_PREFIX": f"two-servers-{uuid.uuid4().hex[:8]}",  # this test's counters only
        "FIELDAPP_LOGIN_ACCOUNT_RATE_LIMIT": "4 per hour",
        "FIELDAPP_API_RATE_LIMIT": "100000 per minute",
        # The queue every host shares, and any import over 10 rows goes through it.
        "FIELDAPP_QUEUE_URL": redis_uri,
        "FIELDAPP_QUEUE_NAME": queue_name,
        "FIELDAPP_QUEUE_IMMEDIATE": "0",
        "FIELDAPP_IMPORT_BACKGROUND_ROWS": "10",
    }
    doomed, survivor = (AppServer(database_url, env, tmp_path / f"gunicorn-{n}.log") for n in (1, 2))
    worker = None
    try:
        doomed.wait_ready()
        survivor.wait_ready()

        # A lead confirms a large roster import on the server about to die: it is queued, no worker runs yet.
        lead = requests.Session()
        progress_path = import_roster(lead, doomed.base, roster)
        assert "hx-trigger" in lead.get(doomed.base + progress_path, timeout=10).text

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

        # A worker on a third host takes the import the dead server queued; the other server shows it done.
        worker = start_worker({**env, "DATABASE_URL": database_url}, tmp_path / "worker.log")
        done = wait_until_done(lead, survivor.base + progress_path)
        assert "新增 200 户" in done
    finally:
        doomed.kill()
        survivor.kill()
        if worker is not None:
            worker.kill()
            worker.wait()
        RedisStorage(queue_name, url=redis_uri).flush_all()

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
        assert db.session.scalar(select(func.count()).select_from(Site)) == 5 * 2 + 200  # both stations' + the roster
        # The tallies, written by two servers' workers (one killed mid-transaction), equal a recount.
        assert recount_differences() == []
        assert recount_site_differences() == []
        assert area_totals(db.session.get(Area, station_id)).visits == len(sent)


def import_roster(session: requests.Session, base: str, roster: bytes) -> str:
    """Log in as station A's lead, upload the roster and confirm its preview; returns the job's progress path."""
    token = csrf_from(session.get(f"{base}/login", timeout=10).text)
    data = {"username": "a-lead", "password": "secret-password", "csrf_token": token}
    assert session.post(f"{base}/login", data=data, timeout=10).status_code == 200  # after its redirect
    token = csrf_from(session.get(f"{base}/imports", timeout=10).text)
    preview = session.post(
        f"{base}/imports", data={"csrf_token": token}, files={"file": ("big.csv", roster)}, timeout=30
    )
    action = re.search(r'action="(/imports/[A-Za-z0-9_-]+)"', preview.text).group(1)
    queued = session.post(base + action, data={"csrf_token": csrf_from(preview.text)}, timeout=30)
    assert queued.status_code == 200 and queued.url.startswith(base + "/imports/")
    return queued.url.removeprefix(base)


def wait_until_done(session: requests.Session, url: str, seconds: float = 120) -> str:
    """The progress fragment once it stops polling (the job ended), as the page's htmx reads it."""
    deadline = time.monotonic() + seconds
    while "hx-trigger" in (fragment := session.get(url, headers={"HX-Request": "true"}, timeout=10).text):
        assert time.monotonic() < deadline, "the import was not done in time"
        time.sleep(0.2)
    return fragment
