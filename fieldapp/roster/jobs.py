"""Import jobs: the uploaded file kept between preview and confirmation, and the progress of a large import.

A job is a folder in instance/imports/ (IMPORT_JOBS_DIR) holding the file and a small state.json (with the
columns mapped by hand on the preview, so the import reads the file as the preview did), so
any gunicorn worker can answer the progress page while one worker's thread does the import. Rosters
hold addresses: an upload is deleted once imported or refused, and jobs left at the preview are
deleted after JOB_MAX_AGE.
"""

import json
import os
import re
import secrets
import shutil
import threading
import time
from pathlib import Path

from flask import Flask, current_app

from fieldapp.extensions import db
from fieldapp.models import Area, User

JOB_ID = re.compile(r"^[A-Za-z0-9_-]{12}$")
#: A job (its upload, or only its state once finished) is kept this long, in seconds.
JOB_MAX_AGE = 24 * 3600


def jobs_dir() -> Path:
    return Path(current_app.config.get("IMPORT_JOBS_DIR") or Path(current_app.instance_path) / "imports")


def purge_old_jobs(now: float | None = None) -> int:
    """Delete jobs older than JOB_MAX_AGE (previews never confirmed, finished imports); returns how many."""
    now, purged = now or time.time(), 0
    for folder in jobs_dir().glob("*"):
        state = folder / "state.json"
        if JOB_ID.match(folder.name) and state.exists() and now - state.stat().st_mtime > JOB_MAX_AGE:
            shutil.rmtree(folder, ignore_errors=True)
            purged += 1
    return purged


def drop_upload(job_id: str) -> None:
    """The file is not needed once the import is done or refused; its state (counts only) stays a while."""
    (jobs_dir() / job_id / "upload").unlink(missing_ok=True)


def create_job(user: User, root: Area, filename: str, data: bytes) -> str:
    purge_old_jobs()
    job_id = secrets.token_urlsafe(9)
    folder = jobs_dir() / job_id
    folder.mkdir(parents=True)
    (folder / "upload").write_bytes(data)
    write_state(job_id, {"user_id": user.id, "root_id": root.id, "filename": filename, "status": "preview"})
    return job_id


def read_state(job_id: str) -> dict | None:
    if not JOB_ID.match(job_id):
        return None
    try:
        return json.loads((jobs_dir() / job_id / "state.json").read_text())
    except (FileNotFoundError, ValueError):
        return None


def write_state(job_id: str, state: dict) -> None:
    path = jobs_dir() / job_id / "state.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, ensure_ascii=False))
    os.replace(temporary, path)  # readers never see half a file


def update_state(job_id: str, **changes) -> dict:
    state = {**(read_state(job_id) or {}), **changes}
    write_state(job_id, state)
    return state


def job_data(job_id: str) -> bytes:
    return (jobs_dir() / job_id / "upload").read_bytes()


def run_import(job_id: str, root: Area, user: User, progress=None) -> dict | None:
    """Import the job's file, all rows or none, and commit; the job's state says how it went.

    Returns the summary, or None when the file no longer imports cleanly. The upload is deleted either way.
    """
    from fieldapp.roster.files import RosterFileError
    from fieldapp.roster.services import RosterChanged, import_roster

    state = read_state(job_id)
    try:
        summary = import_roster(
            job_data(job_id), state["filename"], root, user, progress=progress, mapping=state.get("mapping")
        )
    except RosterChanged as changed:
        db.session.rollback()
        update_state(job_id, status="failed", errors=changed.errors)
        return None
    except RosterFileError as unreadable:  # the file broke down while its rows were read again
        db.session.rollback()
        update_state(job_id, status="failed", reason=str(unreadable.message))
        return None
    finally:
        drop_upload(job_id)
    db.session.commit()
    total = summary["added"] + summary["updated"]
    update_state(job_id, status="done", summary=summary, done=total, total=total)
    return summary


def run_in_background(app: Flask, job_id: str) -> threading.Thread:
    """Import a large file in a thread of this worker; the page polls state.json for progress."""
    thread = threading.Thread(target=run_job, args=(app, job_id), daemon=True, name=f"import-{job_id}")
    thread.start()
    return thread


def run_job(app: Flask, job_id: str) -> None:
    with app.app_context():
        state = read_state(job_id)
        try:
            user, root = db.session.get(User, state["user_id"]), db.session.get(Area, state["root_id"])
            update_state(job_id, status="running", done=0)
            run_import(job_id, root, user, progress=lambda done, total: update_state(job_id, done=done, total=total))
        except Exception:
            db.session.rollback()
            app.logger.exception("import %s failed", job_id)
            update_state(job_id, status="failed")
        finally:
            drop_upload(job_id)
            db.session.remove()
