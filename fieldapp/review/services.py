"""Reviewing visits: approve, mark as having issues, or reject (a rejected visit leaves every tally)."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import Area, Site, User, Visit
from fieldapp.sites.services import VisitLocked, VisitRefused, count_visit, lock_site, uncount_visit

REVIEW_ROLES = ("supervisor", "admin")
REVIEW_STATUSES = ("approved", "has_issues", "rejected")
#: Two visits by one volunteer closer than this look like doors not really knocked on (40 in 10 minutes).
RAPID_GAP = timedelta(seconds=60)
#: A day's log shows this many visits per page: a phone screen's worth of scrolling, not a whole station.
LOG_PAGE_SIZE = 50


def can_review(user: User, visit: Visit) -> bool:
    return user.role in REVIEW_ROLES and visit.undone_at is None and user.can_see(visit.building)


def review_visit(user: User, visit: Visit, status: str, comment: str = "") -> None:
    """Record the supervisor's verdict; rejecting takes the visit out of the tallies. The caller commits."""
    if status not in REVIEW_STATUSES:
        raise VisitRefused({"status": _l("Choose approve, has issues or reject.")})
    if not can_review(user, visit):
        raise VisitLocked(_l("You cannot review this visit."))
    comment = comment.strip()
    if status != "approved" and not comment:
        raise VisitRefused({"comment": _l("Say what is wrong, so the volunteer knows.")})
    before = {"review_status": visit.review_status, "review_comment": visit.review_comment}
    was_counted = visit.counts_in_tallies
    site = lock_site(visit.site_id)
    if was_counted and status == "rejected":
        uncount_visit(visit, site)
    visit.review_status, visit.review_comment = status, comment or None
    visit.reviewed_by_id, visit.reviewed_at = user.id, utcnow()
    if not was_counted and status != "rejected":
        db.session.flush()
        db.session.refresh(site)
        count_visit(visit, site)
    audit("visit.review", visit, before=before, after={"review_status": status, "review_comment": comment or None})


def day_log(area: Area, day: date, team_id=None, user_id=None, outcome=None, flag=None, page: int = 1):
    """(rows, total): the visits of one day under `area`, what looks wrong first.

    Each row is (visit, seconds since the same volunteer's previous visit that day, or None).
    """
    # When each visit happened, not when it arrived: an outbox sends a morning's visits in one second.
    happened = func.coalesce(Visit.recorded_at, Visit.server_time)
    in_area = (
        select(
            Visit.id,
            # Typed, so SQLite hands back a datetime rather than its text.
            func.lag(happened, type_=Visit.server_time.type)
            .over(partition_by=Visit.user_id, order_by=happened)
            .label("previous"),
        )
        .join(Area, Area.id == Visit.building_id)
        .where(Area.path.startswith(area.path, autoescape=True), Visit.day == day, Visit.undone_at.is_(None))
        .subquery()
    )
    gap = in_area.c.previous
    query = (
        select(Visit, gap)
        .join(in_area, in_area.c.id == Visit.id)
        # Each row shows its door, tag, volunteer, team and building: load them with the rows, not one by one.
        .options(
            joinedload(Visit.site).selectinload(Site.tags),
            joinedload(Visit.user),
            joinedload(Visit.team),
            joinedload(Visit.building),
        )
    )
    if team_id:
        query = query.where(Visit.team_id == team_id)
    if user_id:
        query = query.where(Visit.user_id == user_id)
    if outcome:
        query = query.where(Visit.outcome == outcome)
    if flag == "far":
        query = query.where(Visit.gps_far.is_(True))
    elif flag == "inaccurate":
        query = query.where(Visit.gps_inaccurate.is_(True))
    elif flag == "missing":
        query = query.where(Visit.gps_missing.is_(True))
    elif flag == "clock":
        query = query.where(Visit.clock_skewed.is_(True))
    elif flag == "unreviewed":
        query = query.where(Visit.review_status == "pending")
    rows = []
    for visit, previous in db.session.execute(query):
        seconds = (visit.happened_at - previous).total_seconds() if previous else None
        rows.append((visit, seconds))
    if flag == "rapid":
        rows = [row for row in rows if is_rapid(row[1])]
    # What looks wrong comes first; then in the order the day went.
    rows.sort(key=lambda row: (not looks_wrong(*row), row[0].happened_at))
    start = (page - 1) * LOG_PAGE_SIZE
    return rows[start : start + LOG_PAGE_SIZE], len(rows)


def is_rapid(seconds) -> bool:
    return seconds is not None and seconds < RAPID_GAP.total_seconds()


def looks_wrong(visit: Visit, seconds) -> bool:
    return (
        bool(visit.gps_flags)
        or visit.clock_skewed
        or is_rapid(seconds)
        or visit.review_status in ("has_issues", "rejected")
    )
