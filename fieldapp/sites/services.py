"""The writes at a door: record a visit (stored once, tallied in the same transaction) and mint tags."""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import OUTCOMES, VISIT_COUNTS, Area, Site, Tag, User, Visit
from fieldapp.tallies import bump_daily_tally, visit_deltas

#: A phone clock this far ahead of the server is not believed for the working day.
MAX_CLOCK_AHEAD = timedelta(minutes=10)
#: A visit saved offline may arrive days later; older than this, the server's day is used.
MAX_CLOCK_BEHIND = timedelta(days=7)
#: More than this many at one door is a typing mistake, not a household.
MAX_COUNT = 99
#: People reached may exceed the registered residents (visitors, relatives), but not by much.
EXTRA_PEOPLE_ALLOWED = 20

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
    device_time: datetime | None = None


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
        for name in VISIT_COUNTS:
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


def working_day(device_time: datetime | None, server_time: datetime):
    """The local day a visit counts for: the phone's, unless its clock is implausible."""
    moment = server_time
    if device_time and server_time - MAX_CLOCK_BEHIND <= device_time <= server_time + MAX_CLOCK_AHEAD:
        moment = device_time
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


def record_visit(user: User, site: Site, data: VisitInput, client_uuid: str) -> tuple[Visit, bool]:
    """Store a visit once and move the tallies with it. Returns (visit, created).

    The same client_uuid sent again (a retry, a double tap, a resent outbox) returns the
    visit already stored and changes nothing. The caller commits.
    """
    existing = db.session.scalar(select(Visit).where(Visit.client_uuid == client_uuid))
    if existing is not None:
        return existing, False
    problems = visit_problems(site, data)
    if problems:
        raise VisitRefused(problems)

    server_time = utcnow()
    visit = Visit(
        client_uuid=client_uuid,
        site_id=site.id,
        building_id=site.building_id,
        user_id=user.id,
        team_id=user.team_id,
        server_time=server_time,
        day=working_day(data.device_time, server_time),
        **{name: getattr(data, name) for name in VisitInput.__dataclass_fields__},
    )
    try:
        with db.session.begin_nested():
            db.session.add(visit)
    except IntegrityError:
        # Another worker stored the same client_uuid between our check and our insert.
        if visit in db.session:
            db.session.expunge(visit)
        return db.session.scalar(select(Visit).where(Visit.client_uuid == client_uuid)), False

    newly_covered = False
    if visit.outcome == "talked" and site.kind == "household" and site.covered_by_visit_id is None:
        # Conditional UPDATE: of two concurrent first talks, exactly one covers the household.
        result = db.session.execute(
            update(Site)
            .where(Site.id == site.id, Site.covered_by_visit_id.is_(None))
            .values(covered_by_visit_id=visit.id)
            .execution_options(synchronize_session=False)
        )
        newly_covered = result.rowcount == 1
        db.session.expire(site, ["covered_by_visit_id"])
    bump_daily_tally(visit.building_id, visit.day, visit_deltas(visit, newly_covered))
    return visit, True


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
