"""Jobs on the queue: created by a page, run by a worker on any host, retried, picked up again when their worker
died, and deleted a day later (rosters and labels hold addresses).

A job's state is a row of `jobs` (models/jobs.py), so the progress page answers the same on every app server.
A run claims the row (queued -> running, one more attempt) in a short transaction of its own, then does its
work in one transaction that also marks the job done: a run that crashes or is killed leaves nothing written
and the job still holding its file, so running it again is safe and counts its rows once.

What a job makes for download (a label sheet, an export) is kept in its row (`result`), or, when
FIELDAPP_JOB_FILES names a folder every host mounts, in a file there named by the job's id (an export of
millions of rows is hundreds of megabytes); either is deleted with the job.
"""

import importlib
import io
import os
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import abort, current_app, send_file
from flask_login import current_user
from huey import crontab
from sqlalchemy import delete, select, update

from fieldapp import queue
from fieldapp.access import visible_area_or_404
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import Job
from fieldapp.queue import huey

#: Runs of one job before it is given up as failed (the first included).
MAX_ATTEMPTS = int(os.environ.get("FIELDAPP_JOB_ATTEMPTS", "3"))
#: Seconds before a crashed run is tried again.
RETRY_DELAY = int(os.environ.get("FIELDAPP_JOB_RETRY_DELAY", "10"))
#: A running job whose worker has not been heard of for this long lost its worker (killed, host down).
STALE_SECONDS = int(os.environ.get("FIELDAPP_JOB_STALE_SECONDS", "300"))
#: A job (its upload, its result) is kept this long after it was last touched, in seconds (FIELDAPP_JOB_KEEP_HOURS:
#: a large export waiting over a weekend may want 72).
JOB_MAX_AGE = int(float(os.environ.get("FIELDAPP_JOB_KEEP_HOURS", "24")) * 3600)
#: What runs each kind of job: "module:function", taking the claimed Job and committing its outcome.
RUNNERS = {
    "roster_import": "fieldapp.roster.jobs:run_import_job",
    "labels": "fieldapp.tags.jobs:run_labels_job",
    "visit_export": "fieldapp.reports.jobs:run_export_job",
    "weekly_publish": "fieldapp.reports.jobs:run_publish_job",
}


class JobFailed(Exception):
    """The work cannot be done (a refused file): the job fails at once, without retries."""

    def __init__(self, reason: str = "", **summary):
        super().__init__(reason)
        self.summary = {"reason": reason, **summary} if reason else summary


def new_job(kind: str, user_id: int, area_id: int, status: str = "queued", **fields) -> Job:
    purge_old_jobs()
    job = Job(id=secrets.token_urlsafe(9), kind=kind, status=status, user_id=user_id, area_id=area_id, **fields)
    db.session.add(job)
    return job


def enqueue(job: Job) -> None:
    """Queue a job the caller has made "queued"; committed first, so that a worker elsewhere sees it."""
    job.status = "queued"
    job_id = job.id
    db.session.commit()
    run_job(job_id)


@huey.task(retries=MAX_ATTEMPTS - 1, retry_delay=RETRY_DELAY)
def run_job(job_id: str) -> None:
    """Run one job in the worker's app; a crash puts it back in the queue (Huey retries) until MAX_ATTEMPTS."""
    app = queue.worker_app()
    with app.app_context():
        if not claim(job_id):
            return  # done, failed, deleted, or taken by another worker
        job = db.session.get(Job, job_id)
        module, name = RUNNERS[job.kind].split(":")
        try:
            with queue.keep_alive(job_id, every=STALE_SECONDS / 5):
                getattr(importlib.import_module(module), name)(job)
        except JobFailed as failed:
            db.session.rollback()
            finish(db.session.get(Job, job_id), "failed", failed.summary)
        except Exception:
            db.session.rollback()
            app.logger.exception("job %s (%s) failed", job_id, RUNNERS.get(job.kind))
            job = db.session.get(Job, job_id)
            if job.attempts >= MAX_ATTEMPTS:
                finish(job, "failed", {})
                return
            job.status = "queued"
            db.session.commit()
            raise  # Huey runs it again after RETRY_DELAY
        finally:
            queue.forget(job_id)


def claim(job_id: str) -> bool:
    """queued -> running with one more attempt, in one statement: of two workers handed one job, one runs it."""
    now = utcnow()
    claimed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(status="running", attempts=Job.attempts + 1, heartbeat_at=now, done=0)
    ).rowcount
    db.session.commit()
    return claimed == 1


def finish(job: Job, status: str, summary: dict, **fields) -> None:
    """The job's outcome; its upload is dropped (kept only while a run may need it). The caller's transaction."""
    job.status, job.summary, job.data, job.finished_at = status, summary, None, utcnow()
    for name, value in fields.items():
        setattr(job, name, value)
    db.session.commit()


def own_job_or_404(job_id: str, kinds: tuple[str, ...], *levels: str) -> Job:
    """The signed-in user's own job of one of `kinds`, of an area they still see (at one of `levels`, if given):
    a job's id alone opens nothing, and whoever lost the area since loses its file."""
    job = db.session.get(Job, job_id) if len(job_id) <= 16 else None
    if job is None or job.kind not in kinds or job.user_id != current_user.id:
        abort(404)
    visible_area_or_404(job.area_id, *levels)
    return job


def state_of(job: Job) -> dict:
    """What the progress page shows: the row, with the live progress of a running job from the queue's store."""
    state = {
        "kind": job.kind,
        "status": job.status,
        "filename": job.filename,
        "done": job.done,
        "total": job.total,
        "attempts": job.attempts,
        "summary": job.summary or {},
        "reason": (job.summary or {}).get("reason"),
        "user_id": job.user_id,
        "mapping": (job.params or {}).get("mapping"),
    }
    if job.status == "running":
        live = queue.progress_of(job.id) or {}
        state.update(done=live.get("done", 0), total=live.get("total", 0))
    return state


def requeue_stale(now=None) -> int:
    """Queue again the running jobs whose worker died (no heartbeat for STALE_SECONDS); returns how many.

    A job out of attempts fails instead. Its interrupted run wrote nothing (one transaction), so a new run
    starts from its file.
    """
    now = now or utcnow()
    count = 0
    for job in db.session.scalars(select(Job).where(Job.status == "running")).all():
        live = queue.last_heard(job.id)
        heard = job.heartbeat_at
        if live:
            heard = max(heard, datetime.fromtimestamp(live, UTC).replace(tzinfo=None))
        if heard is None or now - heard < timedelta(seconds=STALE_SECONDS):
            continue
        moved = db.session.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == "running", Job.heartbeat_at == job.heartbeat_at)
            .values(status="queued")
        ).rowcount
        db.session.commit()
        if not moved:
            continue
        db.session.refresh(job)
        if job.attempts >= MAX_ATTEMPTS:
            finish(job, "failed", {})
        else:
            run_job(job.id)
            count += 1
    return count


def purge_old_jobs(now=None) -> int:
    """Delete jobs not touched for JOB_MAX_AGE (previews never confirmed, finished jobs), and their files in
    FIELDAPP_JOB_FILES as old (a run killed mid-file included); returns how many jobs."""
    cutoff = (now or utcnow()) - timedelta(seconds=JOB_MAX_AGE)
    folder = files_dir()
    if folder is not None and folder.is_dir():
        oldest = cutoff.replace(tzinfo=UTC).timestamp()
        for path in folder.iterdir():
            if path.is_file() and path.stat().st_mtime < oldest:
                path.unlink(missing_ok=True)
    return db.session.execute(delete(Job).where(Job.updated_at < cutoff)).rowcount


def files_dir() -> Path | None:
    folder = current_app.config.get("JOB_FILES_DIR")
    return Path(folder) if folder else None


def write_result(job: Job, chunks: Iterable[bytes]) -> dict:
    """Write the job's file from `chunks`: into FIELDAPP_JOB_FILES when set (renamed into place once whole), else
    as bytes for the row. Returns the fields `finish` stores with the outcome."""
    folder = files_dir()
    if folder is None:
        return {"result": b"".join(chunks)}
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f"{job.id}.{secrets.token_hex(4)}.part"  # a run's own: two runs never write into one file
    with part.open("wb") as output:
        for chunk in chunks:
            output.write(chunk)
    part.replace(folder / job.id)
    return {"result": None}


def send_result(job: Job, mimetype: str, as_attachment: bool = True):
    """The job's file as a download named `job.filename`, from FIELDAPP_JOB_FILES or the row."""
    folder = files_dir()
    if folder is not None and (folder / job.id).is_file():
        return send_file(folder / job.id, mimetype=mimetype, download_name=job.filename, as_attachment=as_attachment)
    return send_file(io.BytesIO(job.result), mimetype=mimetype, download_name=job.filename, as_attachment=as_attachment)


@huey.periodic_task(crontab(minute="*"))
def look_after_jobs() -> None:
    """Every minute: jobs whose worker died go back in the queue; day-old jobs are deleted.

    Each worker host's scheduler queues it; the updates are conditional, so running it twice is harmless.
    """
    with queue.worker_app().app_context():
        requeue_stale()
        purge_old_jobs()
        db.session.commit()
