"""Facts about the deployment itself that every app server must share (so they live in the database)."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.database import utcnow
from fieldapp.extensions import db


class Setting(db.Model):
    """One named fact, e.g. "demo_loaded" (the demo district is in this database) or "heartbeat"."""

    __tablename__ = "settings"

    #: What the fact is, e.g. "demo_loaded".
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
