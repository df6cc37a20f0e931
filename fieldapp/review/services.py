"""Reviewing visits: approve, mark as having issues, or reject (a rejected visit leaves every tally)."""

import zlib
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, case, cast, func, select
from sqlalchemy.orm import joinedload

from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import DISPUTED_STATUSES, REVIEWED, Area, DailyTally, Site, User, Visit, VisitSignal
from fieldapp.permissions import may_review_visit
from fieldapp.refusals import Refused
from fieldapp.visits.counting import count_visit, lock_site, uncount_visit
from fieldapp.visits.rules import VisitLocked, VisitRefused

#: The verdicts a supervisor gives ("pending" is where every visit starts).
REVIEW_STATUSES = ("approved", *DISPUTED_STATUSES)
#: A day's log shows this many visits per page: a phone screen's worth of scrolling, not a whole station.
LOG_PAGE_SIZE = 50
#: Today lists at most this many reviews to see (the newest): a volunteer marks them seen a screenful at a time.
SEEN_LIST_SIZE = 20
#: The review sample's hash of a visit id: (id × a large odd multiplier + the day's seed) modulo a prime below 2³²,
#: small enough for 64-bit integers in SQLite and PostgreSQL alike.
SAMPLE_MULTIPLIER = 2_654_435_761
SAMPLE_MODULUS = 4_294_967_291
#: Review statuses the tallies count and the desk's status filter offers ("pending" included).
DESK_STATUSES = ("pending", *REVIEW_STATUSES)


def happened():
    """When each visit happened, not when it arrived: an outbox sends a morning's visits in one second."""
    return func.coalesce(Visit.recorded_at, Visit.server_time)


def visits_of(area: Area, first: date, last: date, in_log_order: bool = False) -> list:
    """The WHERE of the visits of `area` from `first` to `last`, not taken back."""
    # By building and day (index ix_visits_building_day_review): a station's days, not the district's, are read.
    buildings = select(Area.id).where(Area.level == "building", Area.within(area))
    if in_log_order:
        # One day read in the daily log's order (ix_visits_day_review_order), its first page the index's first rows.
        # The building's "+ 0" keeps the planners from seeking each building and sorting (a district's day at 1M
        # sites: 80-145 ms against 6 on SQLite).
        return [(Visit.building_id + 0).in_(buildings), Visit.day == first, Visit.undone_at.is_(None)]
    return [Visit.building_id.in_(buildings), Visit.day.between(first, last), Visit.undone_at.is_(None)]


def review_tally(area: Area, first: date, last: date | None = None) -> dict[str, int]:
    """{review status: visits} of `area` over the days (taken-back visits left out): the desk's and the area
    pages' tallies, so both read the same figures.

    The day's visits are not read: the reviewed ones come from their own partial index (ix_visits_reviewed), and
    those not reviewed are the rest of the area's daily rollup, which counts every visit neither taken back nor
    rejected (a district's day at 1M sites: 131 ms → a few ms, SQLite)."""
    last = last or first
    reviewed = select(Visit.review_status, func.count()).where(*visits_of(area, first, last), REVIEWED)
    counts = dict(db.session.execute(reviewed.group_by(Visit.review_status)).all())
    counted = db.session.scalar(
        select(func.coalesce(func.sum(DailyTally.visits), 0)).where(
            DailyTally.area_id == area.id, DailyTally.day.between(first, last)
        )
    )
    counts["pending"] = int(counted) - sum(number for status, number in counts.items() if status != "rejected")
    return {status: counts.get(status, 0) for status in DESK_STATUSES}


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


def give_verdict(user: User, visit: Visit, form) -> str | None:
    """A verdict from the log's or the desk's ReviewForm, committed; or the message why not, nothing changed."""
    if not form.validate_on_submit():
        return str(_l("The request could not be understood. Please go back and try again."))
    try:
        review_visit(user, visit, form.status.data, form.comment.data or "")
    except Refused as refused:
        db.session.rollback()
        return str(refused.message)
    db.session.commit()
    return None


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
    """Approve each of these visits the user may review that still waits for review; returns how many.

    A bulk approval never overturns a verdict: a visit already rejected or marked with issues (say, the fakes at
    the top of the desk, rejected one by one before "approve this page") keeps it; only its own row changes it.
    Ids of visits outside the user's area (or taken back) are passed over, never changed. The caller commits.
    """
    approved = 0
    for visit in db.session.scalars(select(Visit).where(Visit.id.in_(visit_ids)).order_by(Visit.id)):
        if may_review_visit(user, visit) and visit.review_status == "pending":
            review_visit(user, visit, "approved")
            approved += 1
    return approved


def day_log(area: Area, day: date, team_id=None, user_id=None, outcome=None, flag=None, page: int = 1, signal=None):
    """(visits, total): one page of the visits of one day under `area`, in the order a supervisor reviews them.

    First what looks wrong or was disputed (Visit.review_first), lowest trust score first; then a random sample of
    the rest (TRUST_SAMPLE_PERCENT of them, drawn the same way all day for this area and day), then the rest by time.
    Filtering, ordering and paging all happen in the database: a station's busy day is thousands of visits, and
    only a page of them is loaded. Each visit holds its gap to the volunteer's previous one (Visit.gap_s), so no
    window over the day is needed; a page inside the first part is a LIMIT on it alone, without the sample.
    """
    conditions = visits_of(area, day, day)
    filters = []
    if team_id:
        filters.append(Visit.team_id == team_id)
    if user_id:
        filters.append(Visit.user_id == user_id)
    if outcome:
        filters.append(Visit.outcome == outcome)
    if signal:  # by index ix_visit_signals_signal_visit
        filters.append(Visit.id.in_(select(VisitSignal.visit_id).where(VisitSignal.signal == signal)))
    filters += {
        "far": [Visit.gps_far.is_(True)],
        "inaccurate": [Visit.gps_inaccurate.is_(True)],
        "missing": [Visit.gps_missing.is_(True)],
        "clock": [Visit.clock_skewed.is_(True)],
        "unreviewed": [Visit.review_status == "pending"],
        "rapid": [Visit.rapid],
    }.get(flag, [])
    conditions += filters
    # The whole day's count without reading it: the review tally's, from the rollups and the verdicts' index (a
    # district's day at 1M sites is 137,000 visits: 89 ms to count on SQLite). A filtered day is counted.
    total = (
        sum(review_tally(area, day).values())
        if not filters
        else db.session.scalar(select(func.count()).where(*conditions))
    )
    offset = (page - 1) * LOG_PAGE_SIZE
    # How many look wrong, counted only as far as this page needs: the first part's end, or past this page.
    reach = offset + LOG_PAGE_SIZE
    looks_wrong = select(Visit.id).where(*conditions, Visit.review_first).limit(reach).subquery()
    first = db.session.scalar(select(func.count()).select_from(looks_wrong))
    page_ids = select(Visit.id).limit(LOG_PAGE_SIZE).offset(offset)
    if first == reach:  # the page lies in the first part: no sample to draw
        # Unfiltered, in the order of the day's index; a filter may have a narrower index of its own (the volunteer's).
        where = conditions if filters else visits_of(area, day, day, in_log_order=True)
        page_ids = page_ids.where(*where, Visit.review_first).order_by(Visit.trust_score, happened(), Visit.id)
    else:
        # The sample: the calm visits ranked by a hash of their id seeded by the day and area, the first
        # TRUST_SAMPLE_PERCENT of them (rounded down) drawn. Pure integer SQL, so both databases draw alike.
        draw_key = (cast(Visit.id, BigInteger) * SAMPLE_MULTIPLIER + sample_seed(area, day)) % SAMPLE_MODULUS
        drawn = (total - first) * int(current_app.config["TRUST_SAMPLE_PERCENT"]) // 100
        sample = select(Visit.id).where(*conditions, ~Visit.review_first).order_by(draw_key, Visit.id).limit(drawn)
        place = case((Visit.review_first, 0), (Visit.id.in_(sample), 1), else_=2)
        page_ids = page_ids.where(*conditions).order_by(
            place, Visit.trust_score, case((place == 1, draw_key), else_=0), happened(), Visit.id
        )
    # The page's ids first, from the index alone (ix_visits_building_day_review holds every column ordered or
    # filtered on); then only those rows, each with its door, tag, volunteer, team and building.
    ids = list(db.session.scalars(page_ids))
    loaded = db.session.scalars(
        select(Visit)
        .where(Visit.id.in_(ids))
        .options(
            joinedload(Visit.site).selectinload(Site.tags),
            joinedload(Visit.user),
            joinedload(Visit.team),
            joinedload(Visit.building),
        )
    )
    by_id = {visit.id: visit for visit in loaded}
    return [by_id[visit_id] for visit_id in ids], total


def sample_seed(area: Area, day: date) -> int:
    """The seed of a day's review sample: the same all day for one area, another the next day."""
    return zlib.crc32(f"{day.isoformat()}/{area.id}".encode()) & 0x7FFFFFFF
