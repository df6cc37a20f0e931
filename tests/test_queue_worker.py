"""The queue's real worker (`huey_consumer fieldapp.worker.huey`, as `make run` starts it), in a process of its
own against this test's database: a large import confirmed on the page is done by the worker while the page
polls, through the embedded SQLite queue and through Redis; a worker killed with -9 mid-import leaves nothing
written, and a new worker finishes the job with every row counted once."""

import os
import signal
import subprocess
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from huey.storage import RedisStorage, SqliteStorage

from bench import common
from fieldapp import jobs as queue_jobs
from fieldapp import queue
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import Job
from fieldapp.roster import jobs
from tests.conftest import unavailable
from tests.test_queue import fresh
from tests.test_roster import confirm, csv_bytes, good_rows, site_count, upload

ROOT = Path(__file__).resolve().parent.parent
REDIS = "redis://127.0.0.1:6379/0"


def use_store(kind: str, tmp_path: Path, monkeypatch) -> tuple[dict, object]:
    """This process queues into a real store (not immediate mode); returns the worker's environment for it."""
    name = f"fieldapp-test-{uuid.uuid4().hex[:8]}"
    if kind == "sqlite-queue":
        env = {"FIELDAPP_QUEUE_FILE": str(tmp_path / "queue.sqlite")}
        storage = SqliteStorage(name, filename=env["FIELDAPP_QUEUE_FILE"])
    else:
        env = {"FIELDAPP_QUEUE_URL": REDIS}
        storage = RedisStorage(name, url=REDIS)
        try:
            storage.conn.ping()
        except Exception as error:
            unavailable(f"Redis at {REDIS} unavailable: {error}")
    monkeypatch.setattr(queue.huey, "_immediate", False)
    monkeypatch.setattr(queue.huey, "storage", storage)
    return {**env, "FIELDAPP_QUEUE_NAME": name}, storage


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def store(request, tmp_path, monkeypatch):
    env, storage = use_store(request.param, tmp_path, monkeypatch)
    yield env
    storage.flush_all()


@pytest.fixture
def sqlite_store(tmp_path, monkeypatch):
    """The embedded queue: a killed worker is the same whichever store handed it the job."""
    return use_store("sqlite-queue", tmp_path, monkeypatch)[0]


def start_worker(app, store: dict, log: Path) -> subprocess.Popen:
    db.session.commit()  # the worker must see what the test wrote, and not wait on its transaction
    env = {
        **os.environ,
        **store,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "FIELDAPP_QUEUE_IMMEDIATE": "0",
        "FIELDAPP_JOB_RETRY_DELAY": "1",
    }
    return common.start_worker(env, log)


def stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if worker.poll() is None:
        worker.send_signal(sig)
        worker.wait(timeout=30)


def wait_for(job_id: str, status: str, log: Path, seconds: float = 120) -> Job:
    deadline = time.monotonic() + seconds
    while (job := fresh(job_id)).status != status:
        assert time.monotonic() < deadline, f"job {job.status}, worker log:\n{log.read_text()[-3000:]}"
        time.sleep(0.1)
    return job


def test_a_large_import_confirmed_on_the_page_is_done_by_the_worker(app, world, browser, store, tmp_path):
    app.config["IMPORT_BACKGROUND_ROWS"] = 10
    browser.login("a-lead")
    before = site_count()
    preview = upload(browser, csv_bytes(good_rows(world, buildings=2)), "big.csv")
    page = confirm(browser, preview.text)
    job_id = page.request.path.rsplit("/", 1)[1]
    assert "排队等候" in page.text and 'hx-trigger="every 1s"' in page.text  # queued: no worker yet
    assert fresh(job_id).status == "queued" and site_count() == before

    log = tmp_path / "worker.log"
    worker = start_worker(app, store, log)
    try:
        job = wait_for(job_id, "done", log)
    finally:
        stop(worker)
    assert (job.attempts, job.done, job.data) == (1, 200, None)
    assert site_count() == before + 200
    fragment = browser.client.get(page.request.path, headers={"HX-Request": "true"})
    assert "新增 200 户" in fragment.text and "hx-trigger" not in fragment.text


def test_a_worker_killed_mid_import_leaves_nothing_and_the_job_finishes_on_another(app, world, sqlite_store, tmp_path):
    store = sqlite_store
    before = site_count()
    data = csv_bytes(good_rows(world, buildings=120))  # 12,000 doors: seconds of writing, progress every 1,000
    job_id = jobs.create_job(world.a.lead, world.district, "big.csv", data)
    queue_jobs.enqueue(db.session.get(Job, job_id))
    log = tmp_path / "worker.log"
    worker = start_worker(app, store, log)
    try:
        deadline = time.monotonic() + 120
        while not (queue.progress_of(job_id) or {}).get("done"):  # a first 1,000 rows written, not committed
            assert time.monotonic() < deadline and worker.poll() is None, log.read_text()[-3000:]
            time.sleep(0.01)
        stop(worker, signal.SIGKILL)
    finally:
        stop(worker, signal.SIGKILL)
    job = fresh(job_id)
    assert (job.status, job.attempts) == ("running", 1), "the import ended before the kill: make the file larger"
    assert site_count() == before and job.data == data  # nothing written; the file kept for another run

    # The minute's look-after task on a live host, once the dead worker's heartbeat is old.
    later = utcnow() + timedelta(seconds=queue_jobs.STALE_SECONDS + 60)
    assert queue_jobs.requeue_stale(now=later) == 1
    worker = start_worker(app, store, log)
    try:
        job = wait_for(job_id, "done", log)
    finally:
        stop(worker)
    assert (job.attempts, job.done, job.data) == (2, 12000, None)
    assert site_count() == before + 12000
