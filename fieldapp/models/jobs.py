"""Work slower than a page (roster imports, label sheets), queued for a worker on any host: its state lives here."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.database import utcnow
from fieldapp.extensions import db

JOB_KINDS = ("roster_import", "labels")
#: preview: a roster file kept while its preview is read (not queued yet); then queued, running, done or failed.
JOB_STATUSES = ("preview", "queued", "running", "done", "failed")


class Job(db.Model):
    """One queued piece of work and everything a worker on another host needs to do it.

    The uploaded file (`data`) is kept in the database so that every app server and worker can read it, and
    is deleted once used; rosters hold addresses, so a job is deleted a day after it was last touched.
    `heartbeat_at` is moved by the worker while it runs: a running job whose heartbeat is old lost its
    worker and is queued again (fieldapp/jobs.py).
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_heartbeat", "status", "heartbeat_at"),)

    #: A random id that goes in URLs (not guessable: the page also checks the user).
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200), default="")
    #: What the work needs besides the file, e.g. the columns mapped by hand, or the tags of a sheet.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: Runs started (the first included); a job is retried until MAX_ATTEMPTS.
    attempts: Mapped[int] = mapped_column(default=0)
    #: What came of it: counts, new buildings, or why it failed ("reason").
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The uploaded file, until used.
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    #: What the job made for download (a PDF), until the job is deleted.
    result: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    area = relationship("Area")
