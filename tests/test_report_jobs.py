"""A large area's weekly report is published by the queue's worker, once however often it is asked or retried, and
a large visit export is written by the worker, then downloaded from its progress page by whoever asked for it only
(audited when asked for and when handed out); small ones are still done in the request."""

import csv
import io
import os
import re
import time
from datetime import timedelta

import pytest
from huey.storage import MemoryStorage
from sqlalchemy import func, select

from fieldapp import jobs as queue_jobs
from fieldapp import queue
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Job, WeeklyReport
from fieldapp.reports import weekly
from tests.test_exports import visit
from tests.test_queue import fresh
from tests.test_weekly import publish


@pytest.fixture
def no_worker(monkeypatch):
    """Queued work waits (no worker yet): the test runs the worker's task itself."""
    monkeypatch.setattr(queue.huey, "_immediate", False)
    monkeypatch.setattr(queue.huey, "storage", MemoryStorage("report-jobs-test"))


def audited(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def logout(browser):
    browser.client.post("/logout", data={"csrf_token": browser.csrf()})


@pytest.mark.parametrize("kept_in", ["database", "folder"])
def test_a_large_export_is_written_by_the_worker_and_handed_only_to_whoever_asked(
    app, world, browser, no_worker, kept_in, tmp_path
):
    app.config["EXPORT_BACKGROUND_ROWS"] = 2
    if kept_in == "folder":
        app.config["JOB_FILES_DIR"] = str(tmp_path / "job-files")
    for index in range(3):
        visit(world.a, index, installs=index)
    browser.login("a-supervisor")

    queued = browser.client.get(f"/reports/visits.csv?area={world.a.area.id}")
    assert queued.status_code == 303
    job_url = queued.headers["Location"]
    page = browser.client.get(job_url)
    assert "导出甲派出所的走访记录" in page.text and "排队等候" in page.text and 'hx-trigger="every 1s"' in page.text
    assert len(audited("visits.export_request")) == 1 and audited("visits.export") == []  # asked, not handed out
    again = browser.client.get(f"/reports/visits.csv?area={world.a.area.id}")  # a reload: the same job
    assert again.headers["Location"] == job_url and db.session.scalar(select(func.count(Job.id))) == 1
    job_id = job_url.rsplit("/", 1)[1]
    name = fresh(job_id).filename
    early = browser.client.get(f"{job_url}/{name}")
    assert early.status_code == 303 and early.headers["Location"] == job_url  # not written yet: back to the page

    queue_jobs.run_job.call_local(job_id)  # the worker
    job = fresh(job_id)
    assert (job.status, job.attempts, job.done, job.total) == ("done", 1, 3, 3)
    assert (job.result is None) == (kept_in == "folder")
    fragment = browser.client.get(job_url, headers={"HX-Request": "true"}).text
    assert "导出文件已备好" in fragment and "hx-trigger" not in fragment and "<html" not in fragment
    download = re.search(r'href="(/reports/jobs/[^"]+\.csv)"', fragment).group(1)
    response = browser.client.get(download)
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert lines[0][:2] == ["登记编号", "日期"] and len(lines) == 4  # the requester's language, every visit
    (handed,) = audited("visits.export")
    assert handed.user_id == world.a.supervisor.id and handed.after["job"] == job_id

    # Nobody else opens it: not an admin who sees the area, not a supervisor of another station.
    for other in ("district-admin", "b-supervisor"):
        logout(browser)
        browser.login(other)
        assert browser.client.get(job_url).status_code == 404
        assert browser.client.get(download).status_code == 404
    assert len(audited("visits.export")) == 1

    # A day later the old-jobs purge takes the job and its file.
    if kept_in == "folder":
        day_old = time.time() - queue_jobs.JOB_MAX_AGE - 60
        os.utime(tmp_path / "job-files" / job_id, (day_old, day_old))
    assert queue_jobs.purge_old_jobs(now=utcnow() + timedelta(seconds=queue_jobs.JOB_MAX_AGE + 60)) == 1
    db.session.commit()
    assert fresh(job_id) is None
    if kept_in == "folder":
        assert list((tmp_path / "job-files").iterdir()) == []


def test_an_export_under_the_threshold_still_streams_in_the_request(app, world, browser):
    app.config["EXPORT_BACKGROUND_ROWS"] = 3
    for index in range(3):
        visit(world.a, index)
    browser.login("a-supervisor")
    response = browser.client.get(f"/reports/visits.csv?area={world.a.area.id}")
    assert response.status_code == 200 and len(response.data.decode("utf-8-sig").splitlines()) == 4
    assert db.session.scalar(select(func.count(Job.id))) == 0 and len(audited("visits.export")) == 1


def test_a_large_areas_report_is_published_by_the_worker_once_in_the_publishers_language(
    app, world, browser, no_worker, monkeypatch
):
    app.config["PUBLISH_BACKGROUND_HOUSEHOLDS"] = 0  # station A counts as large
    start = weekly.week_bounds(visit(world.a, 0, installs=1).day)[0]
    browser.login("a-supervisor")
    browser.client.get("/lang/en")

    queued = publish(browser, world, start, "Good week")
    assert queued.status_code == 303
    job_url = queued.headers["Location"]
    assert "Waiting in the queue" in browser.client.get(job_url).text
    assert db.session.scalar(select(func.count(WeeklyReport.id))) == 0
    page = browser.client.get(f"/reports/weekly?area={world.a.area.id}&week={start}").text
    assert "being published" in page and 'id="publish-form"' not in page  # no second publish while it runs
    assert publish(browser, world, start, "Second click").headers["Location"] == job_url
    assert db.session.scalar(select(func.count(Job.id))) == 1

    # The worker dies while writing the files: nothing is published, and Huey's retry publishes once.
    real_csv = weekly.weekly_csv
    monkeypatch.setattr(weekly, "weekly_csv", lambda data: (_ for _ in ()).throw(RuntimeError("worker killed")))
    job_id = job_url.rsplit("/", 1)[1]
    with pytest.raises(RuntimeError):
        queue_jobs.run_job.call_local(job_id)
    assert (fresh(job_id).status, db.session.scalar(select(func.count(WeeklyReport.id)))) == ("queued", 0)
    monkeypatch.setattr(weekly, "weekly_csv", real_csv)
    queue_jobs.run_job.call_local(job_id)
    queue_jobs.run_job.call_local(job_id)  # a duplicate delivery finds it done
    job = fresh(job_id)
    assert (job.status, job.attempts) == ("done", 2)
    (report,) = db.session.scalars(select(WeeklyReport)).all()
    assert report.comment == "Good week" and report.data["published"]["language"] == "en"
    assert report.data["published"]["by"] == world.a.supervisor.display_name and b"Weekly report" in report.csv
    (event,) = audited("report.publish")
    assert event.user_id == world.a.supervisor.id

    polled = browser.client.get(job_url, headers={"HX-Request": "true"})  # the page polling: on to the report
    assert polled.headers["HX-Redirect"] == f"/reports/weekly?area={world.a.area.id}&week={start}"
    assert "Published" in polled.text and "hx-trigger" not in polled.text
    page = browser.client.get(job_url).text  # opened later (or without JavaScript): a link to it
    assert f"/reports/weekly?area={world.a.area.id}&amp;week={start}" in page
    page = browser.client.get(f"/reports/weekly?area={world.a.area.id}&week={start}").text
    assert "being published" not in page and "Good week" in page
    # Asked again once published: refused as on the page, nothing queued.
    again = publish(browser, world, start, "Third")
    assert again.headers["Location"].startswith("/reports/weekly")
    assert db.session.scalar(select(func.count(Job.id))) == 1


def test_a_small_areas_report_is_still_published_in_the_request(app, world, browser):
    start = weekly.week_bounds(visit(world.a, 0).day)[0]
    browser.login("a-supervisor")
    assert publish(browser, world, start, "").status_code == 303
    assert db.session.scalar(select(func.count(WeeklyReport.id))) == 1
    assert db.session.scalar(select(func.count(Job.id))) == 0
