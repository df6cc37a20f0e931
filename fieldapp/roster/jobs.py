"""Roster import jobs: the uploaded file kept (in the database, for every host) between preview and confirmation,
and the import itself, run in the request for a small file or by a queue worker for a large one.

Rosters hold addresses: the upload is dropped once imported or refused, and jobs are deleted a day after they
were last touched (fieldapp/jobs.py purge_old_jobs), previews never confirmed included.
"""

from fieldapp import jobs as queue_jobs
from fieldapp import queue
from fieldapp.extensions import db
from fieldapp.jobs import JOB_MAX_AGE, JobFailed, purge_old_jobs
from fieldapp.models import Area, Job, User

__all__ = ["JOB_MAX_AGE", "purge_old_jobs"]
KIND = "roster_import"


def create_job(user: User, root: Area, filename: str, data: bytes) -> str:
    """Keep an uploaded file while its preview is read; committed, so that any app server can confirm it."""
    job = queue_jobs.new_job(KIND, user.id, root.id, status="preview", filename=filename, data=data, params={})
    db.session.commit()
    return job.id


def roster_job(job_id: str) -> Job | None:
    job = db.session.get(Job, job_id) if isinstance(job_id, str) and len(job_id) <= 16 else None
    return job if job is not None and job.kind == KIND else None


def read_state(job_id: str) -> dict | None:
    job = roster_job(job_id)
    return None if job is None else queue_jobs.state_of(job)


def update_state(job_id: str, mapping: dict | None) -> None:
    job = roster_job(job_id)
    job.params = {**(job.params or {}), "mapping": mapping}
    db.session.commit()


def job_data(job_id: str) -> bytes:
    job = roster_job(job_id)
    if job is None or job.data is None:
        raise FileNotFoundError(job_id)
    return job.data


def queue_import(job_id: str) -> None:
    """Hand a confirmed large file to the queue; the page polls the job's row."""
    queue_jobs.enqueue(roster_job(job_id))


def run_import(job_id: str, root: Area, user: User, progress=None) -> dict | None:
    """Import the job's file in this request, all rows or none, and commit with the job's outcome.

    Returns the summary, or None when the file no longer imports cleanly. The upload is dropped either way.
    """
    job = roster_job(job_id)
    try:
        summary = import_file(job, root, user, progress)
    except JobFailed as failed:
        db.session.rollback()
        queue_jobs.finish(roster_job(job_id), "failed", failed.summary)
        return None
    total = summary["added"] + summary["updated"]
    queue_jobs.finish(job, "done", summary, done=total, total=total)
    return summary


def import_file(job: Job, root: Area, user: User, progress=None) -> dict:
    """The import of a job's file in the session's transaction (not committed); JobFailed when it is refused."""
    from fieldapp.roster.files import RosterFileError
    from fieldapp.roster.services import RosterChanged, import_roster

    mapping = (job.params or {}).get("mapping")
    try:
        return import_roster(job.data, job.filename, root, user, progress=progress, mapping=mapping)
    except RosterChanged as changed:
        raise JobFailed(errors=changed.errors) from changed
    except RosterFileError as unreadable:  # the file broke down while its rows were read again
        raise JobFailed(str(unreadable.message)) from unreadable


def run_import_job(job: Job) -> None:
    """The worker's run (fieldapp/jobs.py run_job): the rows and the job's "done" land in one commit."""
    user, root, job_id = db.session.get(User, job.user_id), db.session.get(Area, job.area_id), job.id
    summary = import_file(job, root, user, progress=lambda done, total: queue.beat(job_id, done, total))
    total = summary["added"] + summary["updated"]
    queue_jobs.finish(job, "done", summary, done=total, total=total)
