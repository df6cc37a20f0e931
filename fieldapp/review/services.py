"""Reviewing visits: approve, mark as having issues, or reject (a rejected visit leaves every tally)."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import DISPUTED_STATUSES, Area, Site, User, Visit
from fieldapp.permissions import may_review_visit
from fieldapp.visits.counting import count_visit, lock_site, uncount_visit
from fieldapp.visits.rules import VisitLocked, VisitRefused

#: The verdicts a supervisor gives ("pending" is where every visit starts).
REVIEW_STATUSES = ("approved", *DISPUTED_STATUSES)
#: Two visits by one volunteer closer than this look like doors not really knocked on (40 in 10 minutes).
RAPID_GAP = timedelta(seconds=60)
#: A day's log shows this many visits per page: a phone screen's worth of scrolling, not a whole station.
LOG_PAGE_SIZE = 50
#: Today lists at most this many reviews to see (the newest): a volunteer marks them seen a screenful at a time.
SEEN_LIST_SIZE = 20


def review_visit(user: User, visit: Visit, status: str, comment: str = "") -> None:
    """Record the supervisor's verdict; rejecting takes the visit out of the tallies. The caller commits."""
    if status not in REVIEW_STATUSES:
        raise VisitRefused({"status": _l("Choose approve, has issues or reject.")})
    if not may_review_visit(user, visit):
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
    visit.review_seen_at = None  # a new verdict: the volunteer's Today shows it (again)
    if not was_counted and status != "rejected":
        db.session.flush()
        db.session.refresh(site)
        count_visit(visit, site)
    audit("visit.review", visit, before=before, after={"review_status": status, "review_comment": comment or None})


def reviews_to_see(user: User) -> list[Visit]:
    """My visits a supervisor rejected or found issues with, that I have not marked seen; the newest first."""
    query = (
        select(Visit)
        .where(
            Visit.user_id == user.id,
            Visit.review_status.in_(DISPUTED_STATUSES),
            Visit.review_seen_at.is_(None),
            Visit.undone_at.is_(None),
        )
        .order_by(Visit.reviewed_at.desc(), Visit.id.desc())
        .limit(SEEN_LIST_SIZE)
        .options(joinedload(Visit.site).selectinload(Site.tags), joinedload(Visit.building))
    )
    return list(db.session.scalars(query))


def mark_reviews_seen(user: User, visit_ids: list[int]) -> int:
    """Mark these reviews of my own visits seen ("知道了"); others' visits are passed over. The caller commits."""
    seen = 0
    for visit in db.session.scalars(select(Visit).where(Visit.id.in_(visit_ids), Visit.user_id == user.id)):
        if visit.review_status in DISPUTED_STATUSES and visit.review_seen_at is None:
            visit.review_seen_at = utcnow()
            audit("visit.review_seen", visit, before={"review_seen": False}, after={"review_seen": True})
            seen += 1
    return seen


def approve_visits(user: User, visit_ids: list[int]) -> int:
    """Approve each of these visits the user may review and that is not approved yet; returns how many.

    Ids of visits outside the user's area (or taken back) are passed over, never changed. The caller commits.
    """
    approved = 0
    for visit in db.session.scalars(select(Visit).where(Visit.id.in_(visit_ids)).order_by(Visit.id)):
        if may_review_visit(user, visit) and visit.review_status != "approved":
            review_visit(user, visit, "approved")
            approved += 1
    return approved


def day_log(area: Area, day: date, team_id=None, user_id=None, outcome=None, flag=None, page: int = 1):
    """(rows, total): one page of the visits of one day under `area`, what looks wrong first.

    Each row is (visit, seconds since the same volunteer's previous visit that day, or None).
    Filtering, ordering and paging all happen in the database: a station's busy day is thousands of
    visits, and only a page of them is loaded.
    """
    # When each visit happened, not when it arrived: an outbox sends a morning's visits in one second.
    happened = func.coalesce(Visit.recorded_at, Visit.server_time)
    # By building and day (index ix_visits_building_day): a station's day, not the whole district's, is read.
    buildings = select(Area.id).where(Area.level == "building", Area.within(area))
    in_area = (
        select(
            Visit.id,
            # Typed, so SQLite hands back a datetime rather than its text.
            func.lag(happened, type_=Visit.server_time.type)
            .over(partition_by=Visit.user_id, order_by=(happened, Visit.id))
            .label("previous"),
        )
        .where(Visit.building_id.in_(buildings), Visit.day == day, Visit.undone_at.is_(None))
        .subquery()
    )
    previous = in_area.c.previous
    rapid = and_(previous.is_not(None), seconds_between(happened, previous) < RAPID_GAP.total_seconds())
    # First what looks wrong (as looks_wrong() below, in SQL) and what a supervisor already disputed.
    attention_first = case((or_(Visit.has_flags, rapid, Visit.review_status.in_(DISPUTED_STATUSES)), 0), else_=1)
    conditions = []
    if team_id:
        conditions.append(Visit.team_id == team_id)
    if user_id:
        conditions.append(Visit.user_id == user_id)
    if outcome:
        conditions.append(Visit.outcome == outcome)
    conditions += {
        "far": [Visit.gps_far.is_(True)],
        "inaccurate": [Visit.gps_inaccurate.is_(True)],
        "missing": [Visit.gps_missing.is_(True)],
        "clock": [Visit.clock_skewed.is_(True)],
        "unreviewed": [Visit.review_status == "pending"],
        "rapid": [rapid],
    }.get(flag, [])
    if flag == "rapid":  # counting needs each visit's predecessor
        counted = select(func.count()).select_from(Visit).join(in_area, in_area.c.id == Visit.id)
    else:  # counting needs no window over the day: the same visits, found directly
        counted = (
            select(func.count())
            .select_from(Visit)
            .where(Visit.building_id.in_(buildings), Visit.day == day, Visit.undone_at.is_(None))
        )
    total = db.session.scalar(counted.where(*conditions))
    query = (
        select(Visit, previous)
        .join(in_area, in_area.c.id == Visit.id)
        .where(*conditions)
        .order_by(attention_first, happened, Visit.id)
        .limit(LOG_PAGE_SIZE)
        .offset((page - 1) * LOG_PAGE_SIZE)
        # Each row shows its door, tag, volunteer, team and building: load them with the rows, not one by one.
        .options(
            joinedload(Visit.site).selectinload(Site.tags),
            joinedload(Visit.user),
            joinedload(Visit.team),
            joinedload(Visit.building),
        )
    )
    rows = [
        (visit, (visit.happened_at - before).total_seconds() if before else None)
        for visit, before in db.session.execute(query)
    ]
    return rows, total


def seconds_between(later, earlier):
    """SQL for the seconds from `earlier` to `later` (two timestamp columns), on either database."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)


def is_rapid(seconds) -> bool:
    return seconds is not None and seconds < RAPID_GAP.total_seconds()


def looks_wrong(visit: Visit, seconds) -> bool:
    """The evidence of this visit looks wrong: GPS or clock flags, or too soon after the volunteer's previous."""
    return visit.has_flags or is_rapid(seconds)
