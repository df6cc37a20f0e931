"""Publishing a large area's weekly report and exporting many visits, done by the queue's worker (fieldapp/jobs.py):
the request queues a job and shows its progress page; the worker builds the report or writes the file in the
requester's language.

Both are safe to run again: a report is published in the same transaction that marks its job done (a run killed
before it wrote nothing, and the week's unique row refuses a second report), and an export only writes a file.
Asking again while a job is queued or running (a second click, a reload) gives that job, not a second one.
"""

from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale, get_locale
from sqlalchemy import select

from fieldapp import jobs as queue_jobs
from fieldapp import queue
from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.jobs import JobFailed
from fieldapp.models import Area, Job, User
from fieldapp.refusals import Refused
from fieldapp.reports.exports import XLSX, export_filename, export_size, visit_export
from fieldapp.reports.weekly import check_publish, publish_weekly

EXPORT, PUBLISH = "visit_export", "weekly_publish"
#: A finished export asked for again this soon (a reload, the back button) is handed out again, not made again.
EXPORT_REUSE = timedelta(minutes=15)
MIMETYPES = {"csv": "text/csv", "xlsx": XLSX}


def export_in_background(area: Area, first_day: date, last_day: date) -> bool:
    return export_size(area, first_day, last_day) > current_app.config["EXPORT_BACKGROUND_ROWS"]


def queue_export(user: User, area: Area, kind: str, first_day: date, last_day: date) -> Job:
    """Queue the visit export (audited as asked for now); the same one asked again while it is made, or just
    made, is that job."""
    params = {"format": kind, "from": first_day.isoformat(), "to": last_day.isoformat()}
    for job in db.session.scalars(
        select(Job).where(Job.kind == EXPORT, Job.user_id == user.id, Job.area_id == area.id, Job.status != "failed")
    ):
        fresh = job.status != "done" or utcnow() - job.finished_at < EXPORT_REUSE
        if fresh and all(job.params.get(name) == value for name, value in params.items()):
            return job
    job = queue_jobs.new_job(
        EXPORT,
        user.id,
        area.id,
        filename=export_filename(area, first_day, last_day, kind),
        params={**params, "locale": str(get_locale())},
        total=export_size(area, first_day, last_day),
    )
    db.session.flush()
    audit("visits.export_request", area, after={**params, "job": job.id})  # handed out (visits.export) when downloaded
    queue_jobs.enqueue(job)
    return job


def run_export_job(job: Job) -> None:
    """The worker's run: the file in the requester's language, its progress beat every batch of rows."""
    area, job_id, total = db.session.get(Area, job.area_id), job.id, job.total
    rows = [0]

    def progress(done: int) -> None:
        rows[0] = done
        queue.beat(job_id, done, max(total, done))

    first_day, last_day = date.fromisoformat(job.params["from"]), date.fromisoformat(job.params["to"])
    with force_locale(job.params["locale"]):
        chunks = visit_export(job.params["format"], area, first_day, last_day, progress)
        fields = queue_jobs.write_result(job, chunks)
    queue_jobs.finish(job, "done", {"rows": rows[0]}, done=rows[0], total=rows[0], **fields)


def publishing(area_id: int, week_start: date) -> Job | None:
    """The queued or running publication of this area's week, if any (anyone's: a week is published once)."""
    for job in db.session.scalars(
        select(Job).where(Job.kind == PUBLISH, Job.area_id == area_id, Job.status.in_(("queued", "running")))
    ):
        if job.params.get("week_start") == week_start.isoformat():
            return job
    return None


def publish_in_background(area: Area) -> bool:
    return area.resident_households > current_app.config["PUBLISH_BACKGROUND_HOUSEHOLDS"]


def queue_publish(user: User, area: Area, week_start: date, comment: str | None) -> Job:
    """Queue the publication (refused now if it would be refused when it runs); a second click gives the first."""
    job = publishing(area.id, week_start)
    if job is not None:
        return job
    comment = check_publish(area, week_start, comment)
    params = {"week_start": week_start.isoformat(), "comment": comment, "locale": str(get_locale())}
    job = queue_jobs.new_job(PUBLISH, user.id, area.id, params=params, total=1)
    queue_jobs.enqueue(job)
    return job


def run_publish_job(job: Job) -> None:
    """The worker's run: the report and the job's "done" in one commit, so a retried run never publishes twice."""
    user, area = db.session.get(User, job.user_id), db.session.get(Area, job.area_id)
    with force_locale(job.params["locale"]):
        try:
            report = publish_weekly(user, area, date.fromisoformat(job.params["week_start"]), job.params["comment"])
        except Refused as refused:  # published meanwhile (by another job or page)
            raise JobFailed(refused.message) from refused
    queue_jobs.finish(job, "done", {"report": report.id}, done=1, total=1)
