"""Jobs on the queue, run in this process: a crashed run is retried and counts its rows once, a job whose worker
died is queued again, a job is claimed by one worker only, and a job out of attempts fails and drops its file."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldapp import jobs as queue_jobs
from fieldapp import queue
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import Job, Site
from fieldapp.roster import jobs
from tests.test_roster import csv_bytes, good_rows


def site_count() -> int:
    return db.session.scalar(select(func.count(Site.id)))


def queued_import(world, buildings: int) -> str:
    """A confirmed roster file of buildings × 100 doors, queued but not yet run."""
    data = csv_bytes(good_rows(world, buildings=buildings))
    job_id = jobs.create_job(world.a.lead, world.district, "big.csv", data)
    job = db.session.get(Job, job_id)
    job.status = "queued"
    db.session.commit()
    return job_id


def fresh(job_id: str) -> Job:
    """The job as a worker left it (a new transaction: SQLite's reader would keep seeing its old snapshot)."""
    db.session.rollback()
    return db.session.get(Job, job_id)


def crash_after_rows(monkeypatch, rows: int, times: int = 1) -> list:
    """The worker dies (an exception) once `rows` rows are written, the first `times` runs."""
    crashes = []

    def beat(job_id, done=0, total=0):
        if done >= rows and len(crashes) < times:
            crashes.append(done)
            raise RuntimeError("worker killed")

    monkeypatch.setattr(queue, "beat", beat)
    return crashes


def test_a_run_that_crashes_midway_is_retried_and_counts_its_rows_once(app, world, monkeypatch):
    before = site_count()
    job_id = queued_import(world, buildings=12)
    crashes = crash_after_rows(monkeypatch, rows=1000)
    with pytest.raises(RuntimeError):
        queue_jobs.run_job.call_local(job_id)  # what Huey sees: the task raised, so it retries it
    job = fresh(job_id)
    assert crashes == [1000]  # a thousand rows were written before the crash
    assert (job.status, job.attempts, site_count()) == ("queued", 1, before)  # ...and none of them stayed
    assert job.data is not None  # the file is kept for the retry

    queue_jobs.run_job.call_local(job_id)  # Huey's retry
    job = fresh(job_id)
    assert (job.status, job.attempts, job.done, job.data) == ("done", 2, 1200, None)
    assert site_count() == before + 1200
    queue_jobs.run_job.call_local(job_id)  # a duplicate delivery of the task finds the job done
    assert site_count() == before + 1200 and fresh(job_id).attempts == 2


def test_a_job_that_crashes_every_time_fails_after_its_attempts_and_drops_its_file(app, world, monkeypatch):
    before = site_count()
    job_id = queued_import(world, buildings=2)
    crash_after_rows(monkeypatch, rows=1, times=99)
    for _attempt in range(queue_jobs.MAX_ATTEMPTS - 1):
        with pytest.raises(RuntimeError):
            queue_jobs.run_job.call_local(job_id)
    queue_jobs.run_job.call_local(job_id)  # the last attempt: failed, not raised (no retry left)
    job = fresh(job_id)
    assert (job.status, job.attempts, job.data) == ("failed", queue_jobs.MAX_ATTEMPTS, None)
    assert site_count() == before


def test_a_running_job_whose_worker_died_is_queued_again_and_finishes(app, world):
    before = site_count()
    job_id = queued_import(world, buildings=1)
    assert queue_jobs.claim(job_id)  # a worker took it, then died without a word
    assert not queue_jobs.claim(job_id)  # no second worker takes a running job
    soon = utcnow() + timedelta(seconds=queue_jobs.STALE_SECONDS // 2)
    assert queue_jobs.requeue_stale(now=soon) == 0  # not stale yet
    queue.beat(job_id, 10, 100)  # (another job's worker alive and writing: its heartbeat counts)
    later = utcnow() + timedelta(seconds=queue_jobs.STALE_SECONDS + 60)
    assert queue_jobs.requeue_stale(now=later) == 1  # queued again: here (immediate mode) it runs at once
    job = fresh(job_id)
    assert (job.status, job.attempts, site_count()) == ("done", 2, before + 100)


def test_a_live_heartbeat_keeps_a_long_job_from_being_taken_away(app, world):
    job_id = queued_import(world, buildings=1)
    assert queue_jobs.claim(job_id)
    job = db.session.get(Job, job_id)
    job.heartbeat_at = utcnow() - timedelta(seconds=queue_jobs.STALE_SECONDS + 60)  # started long ago
    db.session.commit()
    queue.beat(job_id, 50, 100)  # ...and still writing rows now
    assert queue_jobs.requeue_stale() == 0
    assert db.session.get(Job, job_id).status == "running"
    queue.forget(job_id)


def test_the_import_page_shows_a_running_jobs_progress_from_the_queue(app, world, browser):
    job_id = queued_import(world, buildings=1)
    browser.login("a-lead")
    url = f"/imports/{job_id}"
    assert "排队等候" in browser.client.get(url).text
    assert queue_jobs.claim(job_id)  # a worker took it and reads the file again: no count yet
    assert "写入前正在重新检查文件各行" in browser.client.get(url).text
    queue.beat(job_id, 1000, 12000)  # then writes, a thousand rows at a time
    fragment = browser.client.get(url, headers={"HX-Request": "true"}).text
    assert "已写入 1,000 / 12,000 户" in fragment and 'hx-trigger="every 1s"' in fragment
    queue.forget(job_id)


def test_a_job_with_nothing_to_report_for_a_while_is_not_taken_from_its_live_worker(app, world):
    job_id = queued_import(world, buildings=1)
    assert queue_jobs.claim(job_id)
    job = db.session.get(Job, job_id)
    job.heartbeat_at = utcnow() - timedelta(seconds=queue_jobs.STALE_SECONDS + 60)  # claimed long ago, no progress
    db.session.commit()
    with queue.keep_alive(job_id, every=0.01):  # ...but its worker still says it lives (rows checked again)
        deadline = utcnow() + timedelta(seconds=30)
        while queue.last_heard(job_id) is None:
            assert utcnow() < deadline, "the keep-alive never spoke"
        assert queue_jobs.requeue_stale() == 0
    assert queue.last_heard(job_id) is None  # the run is over: nothing speaks for it any more
    assert queue_jobs.requeue_stale() == 1  # silent now: queued again (and run at once here)
    assert fresh(job_id).status == "done"
