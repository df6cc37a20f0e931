"""The audit trail: who changed or exported what, when, and what it was before."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models.people import User


class AuditEvent(db.Model):
    """One audited action. Written in the same transaction as the change it describes."""

    __tablename__ = "audit_events"
    #: The audit viewer reads an area's trail, newest first.
    __table_args__ = (Index("ix_audit_events_area_at", "area_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: Who did it; NULL for the command line.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: What was done, e.g. "user.create", "site.update", "report.export".
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None]
    #: The area the object belongs to (a household's building, a visit's building, an area itself), so that a
    #: supervisor can read the trail of their own area; NULL for what belongs to no area (a setting).
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    #: The client address as the proxy reported it.
    ip: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User | None] = relationship()
