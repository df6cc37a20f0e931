"""Published weekly reports (周报): frozen when published, so later edits never change what was sent up."""

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import JSON, Date, ForeignKey, Integer, LargeBinary, Text, UniqueConstraint, delete
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models.areas import Area
from fieldapp.models.people import User
from fieldapp.models.settings import set_setting


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


class WeeklyReportCache(db.Model):
    """A past week's report as last built, while nothing it counts has changed since, or a large area's draft of
    this week as of its build (reports/weekly_cache.py).

    Building a district's week reads every grid's rollups (3 s at 1M sites); a week that is over changes only
    with a late change: a visit recorded, undone, corrected or rejected for one of its days drops the rows that
    count that day (forget_weeks_counting, from the rollups' one write path), any other edit that a report may
    show is in the audit trail after `audit_mark`. Warnings are never kept here: their lateness moves with time.
    """

    __tablename__ = "weekly_report_cache"

    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True)
    #: The first day of the week.
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    #: What build_weekly returned (its warnings are read again on every use); loaded for the files only.
    data: Mapped[dict] = mapped_column(JSON, deferred=True)
    #: The same with each ranked table cut to the rows the page shows (and its "row_count"): 0.3 of 4.7 MB to read
    #: for a district of 4,000 grids.
    page: Mapped[dict] = mapped_column(JSON)
    #: The ranked levels' areas [[level, [[id, name, parent_id, path], ...]], ...], for the warning tables (loaded
    #: only when the area has warnings).
    levels: Mapped[list] = mapped_column(JSON, deferred=True)
    #: The newest audit event when the build started: a later edit (other than visits') makes the row stale.
    audit_mark: Mapped[int] = mapped_column(Integer)
    #: When the build began: a draft's figures are as of then.
    built_at: Mapped[datetime] = mapped_column(default=utcnow)


#: The setting that changes with every late change a kept report may count (forget_weeks_counting): a build that
#: began before one is not kept (reports/weekly_cache.py).
LATE_CHANGE = "weekly_late_change"


def forget_weeks_counting(day: date, this_week: date) -> None:
    """Drop the kept reports of every week that is over and counts `day` (its own week and the weeks after it,
    whose "to date" includes it), and say so to the builds under way. This week's draft stays: it stands for its
    figures as of its build. Called where the rollups move, for a day of a week that is over. The caller commits."""
    # The marker first: its row lock waits for a build being kept (reports/weekly_cache._keep), whose row the
    # DELETE then sees; deleting first would miss a row committed while this transaction waited.
    db.session.execute(set_setting(db.session.get_bind().dialect.name, LATE_CHANGE, uuid.uuid4().hex))
    db.session.execute(
        delete(WeeklyReportCache).where(
            WeeklyReportCache.week_start > day - timedelta(days=7), WeeklyReportCache.week_start < this_week
        )
    )
