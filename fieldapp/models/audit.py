"""The audit trail: who changed or exported what, when, and what it was before."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models.people import User


class AuditEvent(db.Model):
    """One audited action. Written in the same transaction as the change it describes."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: Who did it; NULL for the command line.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: What was done, e.g. "user.create", "site.update", "report.export".
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None]
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    #: The client address as the proxy reported it.
    ip: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User | None] = relationship()
