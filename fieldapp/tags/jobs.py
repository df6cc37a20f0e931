"""Label sheets over one page, drawn by a queue worker (1,000 labels take seconds): the request hands over what
each label says, the worker draws the pages and keeps the file in the job's row until it is downloaded or a day
has passed (labels carry addresses)."""

import hashlib
import io
import json
from dataclasses import asdict

from flask import send_file
from flask_login import current_user
from sqlalchemy import select

from fieldapp import jobs as queue_jobs
from fieldapp import queue
from fieldapp.extensions import db
from fieldapp.jobs import JobFailed
from fieldapp.models import Area, Job
from fieldapp.tags.sheet import PER_PAGE, FontMissing, Label, draw_pages, label_png, pages_pdf, zip_of

KIND = "labels"
#: Tags are printed for a building or a grid (a community's worth of labels is a job for each grid).
PRINTABLE_LEVELS = ("grid", "building")
#: More labels than one sheet holds go to the queue; a single page is drawn in the request.
QUEUE_OVER = PER_PAGE


def queue_labels(area: Area, labels: list[Label], what: str, fmt: str, name: str) -> Job:
    """Queue the drawing of `labels` (already made in the request: their URLs need its address).

    The same sheet asked for again by the same person (a reload, the back button: the link is a GET) while its
    job is queued, drawing or kept is that job, not a second one.
    """
    drawn = [asdict(label) for label in labels]
    key = hashlib.sha256(json.dumps([drawn, what, fmt], ensure_ascii=False).encode()).hexdigest()
    for job in db.session.scalars(
        select(Job).where(Job.kind == KIND, Job.user_id == current_user.id, Job.area_id == area.id)
    ):
        if job.params.get("key") == key and job.status != "failed":
            return job
    params = {"labels": drawn, "what": what, "format": fmt, "title": area.name, "key": key}
    job = queue_jobs.new_job(KIND, current_user.id, area.id, filename=name, params=params, total=len(labels))
    queue_jobs.enqueue(job)
    return job


def run_labels_job(job: Job) -> None:
    """The worker's run (fieldapp/jobs.py run_job): a page of labels at a time, its progress beat after each."""
    labels = [Label(**label) for label in job.params["labels"]]
    total, job_id = len(labels), job.id
    try:
        if job.params["format"] == "pdf":
            pages = []
            for start in range(0, total, PER_PAGE):
                pages += draw_pages(labels[start : start + PER_PAGE])
                queue.beat(job_id, min(start + PER_PAGE, total), total)
            data = pages_pdf(pages, job.params["title"])
        else:
            pngs = []
            for number, label in enumerate(labels, start=1):
                pngs.append(label_png(label))
                if number % PER_PAGE == 0:
                    queue.beat(job_id, number, total)
            data = zip_of(labels, pngs)
    except FontMissing as missing:
        raise JobFailed(str(missing.message)) from missing
    # The labels (addresses) are not needed once drawn; the file stays for the download.
    job.params = {key: value for key, value in job.params.items() if key != "labels"}
    queue_jobs.finish(job, "done", {"count": total}, result=data, done=total, total=total)


def label_download(data: bytes, name: str, fmt: str):
    """The PDF opens in the browser (to print); the ZIP is saved."""
    if fmt == "pdf":
        return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name)
    return send_file(io.BytesIO(data), mimetype="application/zip", download_name=name, as_attachment=True)
