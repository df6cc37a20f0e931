"""Facts about the deployment itself that every app server must share (so they live in the database)."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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


def set_setting(dialect_name: str, name: str, value: str):
    """The statement that stores one setting, whether or not it exists yet (INSERT ... ON CONFLICT DO UPDATE, which
    both databases have): two app servers writing it at once never fail."""
    now = utcnow()
    statement = (sqlite_insert if dialect_name == "sqlite" else postgresql_insert)(Setting)
    statement = statement.values(name=name, value=value, updated_at=now)
    return statement.on_conflict_do_update(
        index_elements=[Setting.name], set_={"value": statement.excluded.value, "updated_at": now}
    )
