"""Label sheets over one page go through the queue: the page shows how far the drawing has got, the file is
downloaded when done (audited each time), only by whoever asked for it; one page is still drawn in the request."""

import io
import re
import zipfile

import pytest
from huey.storage import MemoryStorage
from sqlalchemy import func, select

from fieldapp import jobs as queue_jobs
from fieldapp import queue
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Job
from fieldapp.tags.jobs import run_labels_job
from tests.test_queue import fresh
from tests.test_tags import add_doors

pytestmark = pytest.mark.parametrize("database_uri", ["sqlite"], indirect=True)  # drawing reads little


def printed(area_id: int) -> int:
    return db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "tags.print", AuditEvent.object_id == area_id)
    )


def test_a_grids_labels_are_drawn_by_the_worker_while_the_page_shows_progress(app, world, browser, monkeypatch):
    app.config["BASE_URL"] = "https://fz.example.cn"
    a = world.a
    add_doors(a.building, 45)  # 50 doors: three sheets
    browser.login("a-lead")
    assert browser.post(f"/areas/{a.grid.id}/tags/mint", {}).status_code == 303
    monkeypatch.setattr(queue.huey, "_immediate", False)  # queued, and no worker yet
    monkeypatch.setattr(queue.huey, "storage", MemoryStorage("labels-test"))

    queued = browser.client.get(f"/areas/{a.grid.id}/tags.zip")
    assert queued.status_code == 303
    job_url = queued.headers["Location"]
    job_id = job_url.rsplit("/", 1)[1]
    page = browser.client.get(job_url)
    assert "打印 50 张标签" in page.text and "排队等候" in page.text and 'hx-trigger="every 1s"' in page.text
    assert printed(a.grid.id) == 0  # nothing handed out yet
    again = browser.client.get(f"/areas/{a.grid.id}/tags.zip")  # a reload of the link: the same job, not a second
    assert again.headers["Location"] == job_url and db.session.scalar(select(func.count(Job.id))) == 1
    early = browser.client.get(f"{job_url}/door-tags-{a.grid.id}.zip")
    assert early.status_code == 303 and early.headers["Location"] == job_url  # not drawn yet: back to the page

    assert queue_jobs.claim(job_id)  # what the worker does with it: takes it, then draws page by page
    queue.beat(job_id, 24, 50)
    running = browser.client.get(job_url, headers={"HX-Request": "true"})
    assert "已生成 24 / 50 张标签" in running.text and 'hx-trigger="every 1s"' in running.text
    run_labels_job(fresh(job_id))
    job = fresh(job_id)
    assert (job.status, job.done, job.total) == ("done", 50, 50)
    assert "labels" not in job.params  # the addresses go once drawn; the file stays for the download
    fragment = browser.client.get(job_url, headers={"HX-Request": "true"})
    assert "标签已备好" in fragment.text and "hx-trigger" not in fragment.text and "<html" not in fragment.text
    download = re.search(r'href="(/tags/jobs/[^"]+\.zip)"', fragment.text).group(1)
    response = browser.client.get(download)
    assert response.mimetype == "application/zip" and "attachment" in response.headers["Content-Disposition"]
    assert len(zipfile.ZipFile(io.BytesIO(response.data)).namelist()) == 50
    assert printed(a.grid.id) == 1  # the download is the export, audited
    assert browser.client.get(f"/areas/{a.grid.id}/tags.zip").headers["Location"] == job_url  # still kept
    assert browser.client.get(f"/areas/{a.grid.id}/tags.pdf").headers["Location"] != job_url  # another sheet

    # Only whoever asked for it opens it: not a lead of another station.
    browser.client.post("/logout", data={"csrf_token": browser.csrf()})
    browser.login("b-lead")
    assert browser.client.get(job_url).status_code == 404
    assert browser.client.get(download).status_code == 404


def test_one_page_of_labels_is_still_drawn_in_the_request(app, world, browser):
    app.config["BASE_URL"] = "https://fz.example.cn"
    a = world.a
    add_doors(a.building, 19)  # 24 doors: one full sheet
    browser.login("a-lead")
    assert browser.post(f"/areas/{a.building.id}/tags/mint", {}).status_code == 303
    response = browser.client.get(f"/areas/{a.building.id}/tags.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert db.session.scalar(select(func.count(Job.id))) == 0


def test_without_a_chinese_font_a_large_sheet_is_refused_at_once(app, world, browser, monkeypatch):
    from fieldapp.tags import routes
    from fieldapp.tags.sheet import FontMissing

    def missing():
        raise FontMissing(str(FontMissing.message))

    app.config["BASE_URL"] = "https://fz.example.cn"
    monkeypatch.setattr(routes, "cached_font_file", missing)
    add_doors(world.a.building, 45)
    browser.login("a-lead")
    assert browser.post(f"/areas/{world.a.grid.id}/tags/mint", {}).status_code == 303
    response = browser.client.get(f"/areas/{world.a.grid.id}/tags.pdf")
    assert response.status_code == 503 and "fonts-noto-cjk" in response.text
    assert db.session.scalar(select(func.count(Job.id))) == 0  # nothing queued to fail later
