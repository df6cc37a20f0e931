"""Published weekly reports (周报): frozen when published, so later edits never change what was sent up."""

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, LargeBinary, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models.areas import Area
from fieldapp.models.people import User


class WeeklyReport(db.Model):
    """One area's week as published: the ranked tables and the exact files that were sent."""

    __tablename__ = "weekly_reports"
    __table_args__ = (UniqueConstraint("area_id", "week_start", name="uq_weekly_reports_area_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    #: The Monday the week starts on.
    week_start: Mapped[date] = mapped_column(Date)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The tables as shown on the page.
    data: Mapped[dict] = mapped_column(JSON)
    #: The spreadsheet and CSV exactly as published (byte for byte).
    xlsx: Mapped[bytes] = mapped_column(LargeBinary)
    csv: Mapped[bytes] = mapped_column(LargeBinary)
    #: 周点评: the publisher's comment, sent up with the figures (also inside `data` and both files).
    comment: Mapped[str | None] = mapped_column(Text)

    area: Mapped[Area] = relationship()
    published_by: Mapped[User] = relationship()
