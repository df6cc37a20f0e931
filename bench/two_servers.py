"""Two app servers, one PostgreSQL, one Redis (issue 18 part 5), at bench size: tests/test_two_servers.py's scenario
with more phones for longer, and the figures.

Two hosts, each a gunicorn (gunicorn.conf.py, 2 workers) and a queue worker; both on one PostgreSQL (a scratch
database) and one Redis (limits and the queue). A lead confirms a large roster import on host 1, whose worker
starts it. Phones send visits through the API, half to each server; halfway through, host 1 dies (kill -9: its
gunicorn master and workers, and its queue worker). Each phone sends what went unanswered again to the other server,
as the outbox does. Host 2's worker, whose scheduler looks after jobs every minute, queues the import again once its
worker has been silent for FIELDAPP_JOB_STALE_SECONDS (10 s here, 300 by default) and finishes it.

Reported: visits acknowledged against stored, duplicates, tallies against a recount, visits/s before and after the
kill, what the killed server's phones saw and how they got through, failed logins refused on both servers, the
import's attempts and its time to finish. BENCH_SMOKE=1: 4 phones for 6 s and a small import (not in `make test`'s
smoke run: starting two gunicorns and a worker on PostgreSQL and waiting for the minute's look-after takes over a
minute). Needs PostgreSQL (BENCH_POSTGRES_URL) and Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/0).
Writes bench/results/two_servers.json.

    .venv/bin/python bench/two_servers.py
"""

import json
import os
import re
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    RESULTS,
    ROOT,
    SMOKE,
    AppServer,
    failed_login,
    log,
    postgres_available,
    scratch_database,
    send_visit,
    start_worker,
)

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PHONES = 4 if SMOKE else 20
SECONDS = 6 if SMOKE else 30
IMPORT_BUILDINGS = 20 if SMOKE else 600  # × 100 doors
STALE_SECONDS = 10
#: Failed logins allowed per account (both servers together) before the next is refused.
ACCOUNT_LIMIT = 4


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL).ping())
    except redis.exceptions.ConnectionError:
        return False


def prepare(database_url: str) -> tuple:
    """Migrate, make a small district (tests/factories.py) with an API key per phone, and the roster to import."""
    from flask_migrate import upgrade

    from fieldapp import create_app
    from fieldapp.api.tokens import issue_token
    from fieldapp.extensions import db
    from tests.factories import make_world
    from tests.test_roster import csv_bytes, good_rows

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        world = make_world()
        keys = [issue_token(world.a.volunteer, f"phone {n}", world.admin)[1] for n in range(PHONES)]
        tags = [site.active_tag.token for site in world.a.sites if site.residents]  # the phones' station
        roster = csv_bytes(good_rows(world, buildings=IMPORT_BUILDINGS))
        db.session.commit()
        station_id = world.a.area.id
    return app, keys, tags, roster, station_id


def confirm_import(base: str, roster: bytes) -> str:
    """Station A's lead uploads the roster and confirms its preview on `base`; returns the job's id."""
    import requests

    from bench.common import CSRF

    session = requests.Session()
    token = CSRF.search(session.get(f"{base}/login", timeout=10).text).group(1)
    session.post(f"{base}/login", data={"username": "a-lead", "password": "secret-password", "csrf_token": token})
    token = CSRF.search(session.get(f"{base}/imports", timeout=10).text).group(1)
    preview = session.post(f"{base}/imports", data={"csrf_token": token}, files={"file": ("big.csv", roster)})
    action = re.search(r'action="(/imports/[A-Za-z0-9_-]+)"', preview.text).group(1)
    token = CSRF.search(preview.text).group(1)
    queued = session.post(base + action, data={"csrf_token": token}, timeout=120)
    assert queued.status_code == 200, queued.status_code
    return action.rsplit("/", 1)[1]


def job_row(app, job_id: str):
    from fieldapp.extensions import db
    from fieldapp.models import Job

    with app.app_context():
        job = db.session.get(Job, job_id)
        return job.status, job.attempts, job.done, job.total, job.finished_at


def run() -> dict:
    if not postgres_available() or not redis_available():
        return {"skipped": "needs PostgreSQL (BENCH_POSTGRES_URL) and Redis (BENCH_REDIS_URL)"}
    with scratch_database("postgresql", "two_servers") as database_url, tempfile.TemporaryDirectory() as folder:
        return measure(database_url, Path(folder))


def measure(database_url: str, folder: Path) -> dict:
    from huey.storage import RedisStorage

    app, keys, tags, roster, station_id = prepare(database_url)
    queue_name = f"two-servers-bench-{uuid.uuid4().hex[:8]}"
    env = {
        **{name: value for name, value in os.environ.items() if name != "FIELDAPP_ALLOW_MEMORY_LIMITS"},
        "SECRET_KEY": "two-servers-bench",
        "FIELDAPP_SECURE_COOKIES": "0",
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "FIELDAPP_RATELIMIT_KEY_PREFIX": queue_name,
        "FIELDAPP_LOGIN_ACCOUNT_RATE_LIMIT": f"{ACCOUNT_LIMIT} per hour",
        "FIELDAPP_API_RATE_LIMIT": "1000000 per minute",
        "FIELDAPP_QUEUE_URL": REDIS_URL,
        "FIELDAPP_QUEUE_NAME": queue_name,
        "FIELDAPP_QUEUE_IMMEDIATE": "0",
        "FIELDAPP_IMPORT_BACKGROUND_ROWS": "10",
        "FIELDAPP_JOB_STALE_SECONDS": str(STALE_SECONDS),
        "DATABASE_URL": database_url,
    }
    doomed, survivor = (AppServer(database_url, env, folder / f"gunicorn-{n}.log") for n in (1, 2))
    workers = []
    results: dict = {"phones": PHONES, "seconds": SECONDS, "import_rows": IMPORT_BUILDINGS * 100}
    try:
        doomed.wait_ready()
        survivor.wait_ready()
        workers.append(start_worker(env, folder / "worker-1.log"))  # host 1's worker
        log("two servers up; confirming the import on host 1")
        job_id = confirm_import(doomed.base, roster)
        while job_row(app, job_id)[0] == "queued":  # host 1's worker takes it
            time.sleep(0.1)
        workers.append(start_worker(env, folder / "worker-2.log", periodic=True))  # host 2's, with its scheduler

        codes = [failed_login(server.base, "a-supervisor") for server in [doomed, survivor] * (ACCOUNT_LIMIT // 2)]
        refused = {
            "host 1": failed_login(doomed.base, "a-supervisor"),
            "host 2": failed_login(survivor.base, "a-supervisor"),
        }
        results["logins"] = {"failed_before_limit": dict(Counter(codes)), "next_one_answered": refused}

        log(f"{PHONES} phones for {SECONDS} s; host 1 dies at {SECONDS / 2:.0f} s")
        acked, errors, lock = [], {"killed": [], "other": []}, threading.Lock()
        retries = Counter()
        start = time.monotonic()
        stop_at = start + SECONDS

        def phone(number: int) -> None:
            servers = [doomed, survivor] if number % 2 == 0 else [survivor, doomed]
            n = 0
            while time.monotonic() < stop_at:
                body = {"client_uuid": str(uuid.uuid4()), "tag": tags[(number + n) % len(tags)], "outcome": "talked"}
                body.update(people_reached=1, app_installs=n % 2)
                n += 1
                for attempt in range(6):  # the outbox: the same visit again, to the other server
                    server = servers[attempt % 2]
                    seen: list = []
                    status = send_visit(server.base, keys[number], body, errors=seen)
                    if status in (200, 201):
                        with lock:
                            acked.append((body["client_uuid"], time.monotonic() - start, server is doomed, attempt))
                        break
                    with lock:
                        errors["killed" if server is doomed else "other"].append(seen[0] if seen else f"HTTP {status}")
                        retries[attempt + 1] += 1
                    if status is not None and status < 500:
                        break  # refused for good (would be a bug here): counted, not retried

        phones = [threading.Thread(target=phone, args=(n,)) for n in range(PHONES)]
        for thread in phones:
            thread.start()
        time.sleep(SECONDS / 2)
        killed_at, killed_wall = time.monotonic() - start, datetime.now(UTC).replace(tzinfo=None)
        job_at_kill = job_row(app, job_id)
        doomed.kill()
        workers[0].kill()  # host 1's worker dies with it
        workers[0].wait()
        for thread in phones:
            thread.join()
        elapsed = time.monotonic() - start
        log(f"load over: {len(acked)} visits acknowledged; waiting for the import")

        deadline = time.monotonic() + 300
        while (row := job_row(app, job_id))[0] not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.5)
        results["import_job"] = {
            "at_kill": {"status": job_at_kill[0], "attempts": job_at_kill[1]},
            "status": row[0],
            "attempts": row[1],
            "rows": row[3],
            "done_s_after_kill": round((row[4] - killed_wall).total_seconds(), 1) if row[4] else None,
            "stale_seconds": STALE_SECONDS,
        }
        survivor_alive = survivor.process.poll() is None
    finally:
        doomed.kill()
        survivor.kill()
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        RedisStorage(queue_name, url=REDIS_URL).flush_all()

    before = [moment for _uuid, moment, _by, _attempt in acked if moment < killed_at]
    after = [moment for _uuid, moment, _by, _attempt in acked if moment >= killed_at]
    results["visits_per_s"] = {
        "before_kill": round(len(before) / killed_at, 1),
        "after_kill": round(len(after) / (elapsed - killed_at), 1),
    }
    results["phone_errors"] = {
        "at_killed_server": dict(Counter(errors["killed"])),
        "at_other_server": dict(Counter(errors["other"])),
        "resent_n_times": dict(sorted(retries.items())),
        "acknowledged_on_a_resend": sum(1 for *_rest, attempt in acked if attempt > 0),
    }
    results["survivor_alive"] = survivor_alive
    results.update(check_database(app, [client_uuid for client_uuid, *_rest in acked], station_id))
    return results


def check_database(app, sent: list[str], station_id: int) -> dict:
    """Every acknowledged visit stored once; the tallies both servers wrote against a recount."""
    from sqlalchemy import func, select

    from fieldapp.extensions import db
    from fieldapp.models import Visit
    from fieldapp.site_counts import recount_site_differences
    from fieldapp.tallies import recount_differences

    with app.app_context():
        per_uuid = Counter()
        for start in range(0, len(sent), 5000):
            query = select(Visit.client_uuid, func.count()).where(Visit.client_uuid.in_(sent[start : start + 5000]))
            per_uuid.update(dict(db.session.execute(query.group_by(Visit.client_uuid)).all()))
        stored = db.session.scalar(select(func.count()).select_from(Visit))
        return {
            "visits": {
                "acknowledged": len(sent),
                "acknowledged_twice": len(sent) - len(set(sent)),
                "stored": stored,
                "acknowledged_missing": sum(1 for client_uuid in set(sent) if client_uuid not in per_uuid),
                "stored_more_than_once": sum(1 for count in per_uuid.values() if count > 1),
            },
            "recount_differences": len(recount_differences()) + len(recount_site_differences()),
        }


def main() -> None:
    results = run()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "two_servers.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
