"""The writes at a door: record a visit (stored once, tallied in the same transaction) and mint tags."""

import hashlib
import json
import secrets
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from geopy.distance import geodesic
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.limits import EXTRA_PEOPLE_ALLOWED, INT32_MAX, MAX_COUNT
from fieldapp.models import OUTCOMES, VISIT_COUNTS, Area, Site, Tag, User, Visit
from fieldapp.tallies import bump_tallies, visit_deltas

#: A phone clock this far ahead of the server is not believed for the working day.
MAX_CLOCK_AHEAD = timedelta(minutes=10)
#: A visit saved offline may arrive days later; older than this, the server's day is used.
MAX_CLOCK_BEHIND = timedelta(days=7)
#: A phone clock further off than this (either way) is flagged for the supervisor, never refused.
MAX_CLOCK_SKEW = timedelta(minutes=10)

#: A fix vaguer than this is flagged (a phone indoors on cell towers only).
GPS_ACCURACY_LIMIT_M = 100
#: A fix within this distance of the household (or within its own accuracy) is "at the door".
GPS_NEAR_M = 50
#: Only fixes this good teach us where a household without imported coordinates is.
LEARNING_ACCURACY_M = 30
#: How long a volunteer may take back their own visit.
UNDO_WINDOW = timedelta(minutes=5)
#: Who may correct a recorded visit (with a reason, audited).
CORRECTING_ROLES = ("lead", "supervisor", "admin")
#: What a correction may change: what happened at the door, not where or when.
CORRECTABLE_FIELDS = (
    "outcome",
    "people_reached",
    "app_installs",
    "realname_regs",
    "miniprogram_regs",
    "notice_signed",
    "receipt_collected",
    "note",
)

#: No 0/O, 1/I/L: a short code is read off a door in a dim stairwell and typed.
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclass
class VisitInput:
    """What the volunteer submitted, already parsed into Python types."""

    outcome: str
    people_reached: int = 0
    app_installs: int = 0
    realname_regs: int = 0
    miniprogram_regs: int = 0
    notice_signed: bool = False
    receipt_collected: bool = False
    note: str = ""
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    #: The phone's clock when the visit was recorded (naive UTC).
    device_time: datetime | None = None
    #: The phone's clock when it was sent: with the server's clock, it measures how wrong the phone's is.
    sent_time: datetime | None = None

    def content_hash(self, site: Site) -> str:
        """What identifies this submission: the same client_uuid must always come with the same hash."""
        content = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "sent_time"}
        content["site_id"] = site.id
        return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


#: What a stored visit takes from the submission as it came.
STORED_INPUT_FIELDS = [name for name in VisitInput.__dataclass_fields__ if name != "sent_time"]


def visit_problems(site: Site, data: VisitInput) -> dict[str, str]:
    """Business rules a visit must meet, as {field: message in the user's language}."""
    problems: dict[str, str] = {}
    if data.outcome not in OUTCOMES:
        problems["outcome"] = _l("Choose what happened at the door.")
    for name in VISIT_COUNTS:
        value = getattr(data, name)
        if value < 0 or value > MAX_COUNT:
            problems[name] = _l("Enter a whole number from 0 to %(max)d.", max=MAX_COUNT)
    if problems:
        return problems
    if data.outcome != "talked":
        for name in (*VISIT_COUNTS, "notice_signed", "receipt_collected"):
            if getattr(data, name):
                problems[name] = _l("Only a talk can reach people or install the app; choose “Talked”.")
        return problems
    if data.people_reached > site.residents + EXTRA_PEOPLE_ALLOWED:
        problems["people_reached"] = _l(
            "More people than this household's %(residents)d residents plus %(extra)d.",
            residents=site.residents,
            extra=EXTRA_PEOPLE_ALLOWED,
        )
    for name in ("app_installs", "realname_regs", "miniprogram_regs"):
        if getattr(data, name) > data.people_reached:
            problems[name] = _l("Cannot be more than the people reached.")
    if (data.lat is None) != (data.lon is None):
        problems["lat"] = _l("The location was incomplete.")
    elif data.lat is not None and not (-90 <= data.lat <= 90 and -180 <= data.lon <= 180):
        problems["lat"] = _l("The location is outside the valid range.")
    if data.accuracy_m is not None and data.accuracy_m < 0:
        problems["lat"] = _l("The location is outside the valid range.")
    return problems


class VisitRefused(ValueError):
    """The visit breaks a rule; `problems` says which, per field."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


class VisitConflict(Exception):
    """This client_uuid already stored a visit with other content (another door, other figures)."""

    def __init__(self, visit: Visit):
        super().__init__(f"client_uuid {visit.client_uuid} already stored visit {visit.id} with other content")
        self.visit = visit


def clock_offset(data: VisitInput, server_time: datetime) -> timedelta | None:
    """How far the phone's clock is ahead of the server's (negative: behind), if the phone said when it sent."""
    return None if data.sent_time is None else data.sent_time - server_time


def recorded_moment(device_time: datetime | None, server_time: datetime, offset: timedelta | None = None):
    """When the visit happened by the server's clock: the phone's time less its clock's offset, unless implausible."""
    if device_time is not None:
        try:
            recorded = device_time - (offset or timedelta(0))
        except OverflowError:  # a clock set centuries off
            return server_time
        if server_time - MAX_CLOCK_BEHIND <= recorded <= server_time + MAX_CLOCK_AHEAD:
            return recorded
    return server_time


def clamp_seconds(offset: timedelta) -> int:
    """Seconds that fit the column: a phone set to the year 1970 is "very wrong", not an error."""
    return max(-INT32_MAX, min(INT32_MAX, round(offset.total_seconds())))


def working_day(device_time: datetime | None, server_time: datetime, offset: timedelta | None = None):
    """The local day a visit counts for: the day it happened, in the deployment's time zone."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    moment = recorded_moment(device_time, server_time, offset)
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


def stored_visit(client_uuid: str, content_hash: str) -> Visit | None:
    """The visit this client_uuid already stored, if any; a conflict if it was stored with other content."""
    existing = db.session.scalar(select(Visit).where(Visit.client_uuid == client_uuid))
    if existing is not None and existing.content_hash not in (None, content_hash):
        raise VisitConflict(existing)
    return existing


def record_visit(user: User, site: Site, data: VisitInput, client_uuid: str) -> tuple[Visit, bool]:
    """Store a visit once and move the tallies with it. Returns (visit, created).

    The same client_uuid sent again (a retry, a double tap, a resent outbox) with the same
    content returns the visit already stored and changes nothing; with other content it raises
    VisitConflict. The caller commits.
    """
    content_hash = data.content_hash(site)
    existing = stored_visit(client_uuid, content_hash)
    if existing is not None:
        return existing, False
    problems = visit_problems(site, data)
    if problems:
        raise VisitRefused(problems)

    # Lock the door's row before inserting: the visit's foreign key would otherwise take a
    # shared lock first, and two talks at one door upgrading to FOR UPDATE would deadlock.
    site = lock_site(site.id)
    server_time = utcnow()
    offset = clock_offset(data, server_time)
    visit = Visit(
        client_uuid=client_uuid,
        content_hash=content_hash,
        site_id=site.id,
        building_id=site.building_id,
        user_id=user.id,
        team_id=user.team_id,
        server_time=server_time,
        clock_offset_s=None if offset is None else clamp_seconds(offset),
        clock_skewed=offset is not None and abs(offset) > MAX_CLOCK_SKEW,
        recorded_at=recorded_moment(data.device_time, server_time, offset),
        day=working_day(data.device_time, server_time, offset),
        **{name: getattr(data, name) for name in STORED_INPUT_FIELDS},
    )
    check_gps(visit, site)
    try:
        with db.session.begin_nested():
            db.session.add(visit)
    except IntegrityError:
        # Another worker stored the same client_uuid between our check and our insert.
        if visit in db.session:
            db.session.expunge(visit)
        return stored_visit(client_uuid, content_hash), False
    count_visit(visit, site)
    return visit, True


def household_location(site: Site) -> tuple[float, float] | None:
    """Where the household is: imported, else learned from earlier accurate fixes, else its building."""
    if site.lat is not None and site.lon is not None:
        return site.lat, site.lon
    learned = db.session.execute(
        select(func.avg(Visit.lat), func.avg(Visit.lon)).where(
            Visit.site_id == site.id,
            Visit.undone_at.is_(None),
            Visit.review_status != "rejected",
            Visit.lat.is_not(None),
            Visit.accuracy_m <= LEARNING_ACCURACY_M,
            Visit.gps_far.is_(False),
        )
    ).one()
    if learned[0] is not None:
        return float(learned[0]), float(learned[1])
    building = site.building
    if building.lat is not None and building.lon is not None:
        return building.lat, building.lon
    return None


def check_gps(visit: Visit, site: Site) -> None:
    """Measure the fix against the household and raise the flags a supervisor will look at."""
    if visit.lat is None or visit.lon is None:
        visit.gps_missing, visit.distance_m = True, None
        return
    visit.gps_missing = False
    visit.gps_inaccurate = visit.accuracy_m is not None and visit.accuracy_m > GPS_ACCURACY_LIMIT_M
    home = household_location(site)
    if home is None:
        visit.distance_m, visit.gps_far = None, False
        return
    visit.distance_m = round(geodesic(home, (visit.lat, visit.lon)).meters, 1)
    visit.gps_far = visit.distance_m > max(GPS_NEAR_M, visit.accuracy_m or 0)


def count_visit(visit: Visit, site: Site) -> None:
    """Add a visit to its rollups; the first counted talk at a household covers the household.

    The site row is locked first, so a concurrent undo or rejection that hands coverage on
    either sees this visit (committed) or is seen by it: a talked household never ends uncovered.
    """
    newly_covered = False
    if visit.outcome == "talked" and site.kind == "household":
        site = lock_site(site.id)
        if site.covered_by_visit_id is None:
            site.covered_by_visit_id = visit.id
            newly_covered = True
            db.session.flush()
    bump_tallies(visit, visit_deltas(visit, newly_covered))


def uncount_visit(visit: Visit, site: Site) -> None:
    """Take a visit out of the tallies; if it covered its household, the next talk there covers it."""
    lost_coverage = site.covered_by_visit_id == visit.id
    bump_tallies(visit, visit_deltas(visit, lost_coverage, sign=-1))
    if not lost_coverage:
        return
    successor = db.session.scalar(
        select(Visit)
        .where(
            Visit.site_id == site.id,
            Visit.id != visit.id,
            Visit.outcome == "talked",
            Visit.undone_at.is_(None),
            Visit.review_status != "rejected",
        )
        .order_by(Visit.id)
        .limit(1)
    )
    site.covered_by_visit_id = successor.id if successor else None
    if successor:
        bump_tallies(successor, {"households_covered": 1})
    db.session.flush()


def lock_site(site_id: int) -> Site:
    """The site row, locked until commit, so undo and correction never race a new visit's coverage."""
    locked = db.session.info.setdefault(LOCKED_SITES, set())
    if site_id in locked:  # already ours in this transaction (recording a visit locks it twice): nobody else wrote it
        return db.session.get(Site, site_id)
    site = db.session.scalar(
        select(Site).where(Site.id == site_id).with_for_update().execution_options(populate_existing=True)
    )
    locked.add(site_id)
    return site


#: Where a session remembers which site rows its current transaction has locked.
LOCKED_SITES = "fieldapp_locked_sites"


@event.listens_for(Session, "after_transaction_end")
def _forget_locked_sites(session: Session, transaction) -> None:
    if transaction.parent is None:  # locks end with the whole transaction
        session.info.pop(LOCKED_SITES, None)


@event.listens_for(Session, "after_rollback")
def _forget_locked_sites_on_rollback(session: Session) -> None:
    session.info.pop(LOCKED_SITES, None)  # a savepoint rolled back may have released some: lock again


class VisitLocked(Exception):
    """This visit can no longer be changed this way; `reason` says why, in the user's language."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


def can_undo(user: User, visit: Visit, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return visit.user_id == user.id and visit.counts_in_tallies and now - visit.server_time <= UNDO_WINDOW


def undo_visit(user: User, visit: Visit) -> None:
    """The volunteer takes back their own visit within UNDO_WINDOW. The caller commits."""
    if not can_undo(user, visit):
        raise VisitLocked(_l("Only your own visit can be undone, within 5 minutes."))
    site = lock_site(visit.site_id)
    uncount_visit(visit, site)
    visit.undone_at = utcnow()
    audit("visit.undo", visit, before={"undone_at": None}, after={"undone_at": visit.undone_at.isoformat()})


def can_correct(user: User, visit: Visit) -> bool:
    return user.role in CORRECTING_ROLES and visit.counts_in_tallies and user.can_see(visit.building)


def correct_visit(user: User, visit: Visit, data: VisitInput, reason: str) -> None:
    """A lead or supervisor corrects what was recorded, with a reason; tallies move exactly. Caller commits."""
    if not can_correct(user, visit):
        raise VisitLocked(_l("You cannot correct this visit."))
    if not reason.strip():
        raise VisitRefused({"reason": _l("Say why the visit is corrected.")})
    site = lock_site(visit.site_id)
    data.lat, data.lon, data.accuracy_m, data.device_time = visit.lat, visit.lon, visit.accuracy_m, visit.device_time
    problems = visit_problems(site, data)
    if problems:
        raise VisitRefused(problems)
    before = visit_snapshot(visit)
    uncount_visit(visit, site)
    for name in CORRECTABLE_FIELDS:
        setattr(visit, name, getattr(data, name))
    visit.corrected_at, visit.corrected_by_id, visit.correction_reason = utcnow(), user.id, reason.strip()
    db.session.flush()
    db.session.refresh(site)
    count_visit(visit, site)
    audit("visit.correct", visit, before=before, after={**visit_snapshot(visit), "reason": visit.correction_reason})


def visit_snapshot(visit: Visit) -> dict:
    return {name: getattr(visit, name) for name in CORRECTABLE_FIELDS}


def new_short_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(8))


def mint_tag(area: Area, site: Site | None = None) -> Tag:
    """A new door tag with a fresh unguessable token (96 random bits) and short code."""
    for _attempt in range(5):
        tag = Tag(
            token=secrets.token_urlsafe(12),
            short_code=new_short_code(),
            area_id=area.id,
            site_id=site.id if site else None,
            bound_at=utcnow() if site else None,
        )
        try:
            with db.session.begin_nested():
                db.session.add(tag)
            return tag
        except IntegrityError:  # a short code collision: rare, so simply try again
            if tag in db.session:
                db.session.expunge(tag)
    raise RuntimeError("could not mint a unique tag")
