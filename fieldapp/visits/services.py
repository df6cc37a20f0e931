"""The intents of a visit's life: record it once, undo it, correct it. Callers commit (or roll back)."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import MiniProgram, Site, User, Visit, VisitProgramRegs
from fieldapp.permissions import may_correct_visit, may_undo_visit
from fieldapp.trust.gaps import set_next_gap
from fieldapp.trust.score import FULL_TRUST
from fieldapp.trust.signals import evidence, find_signals, recheck_visit, weights
from fieldapp.visits.clock import MAX_CLOCK_SKEW, clamp_seconds, clock_offset, recorded_moment, working_day
from fieldapp.visits.counting import count_visit, lock_site, uncount_visit
from fieldapp.visits.gps import check_gps
from fieldapp.visits.rules import (
    CORRECTABLE_FIELDS,
    STORED_INPUT_FIELDS,
    VisitConflict,
    VisitInput,
    VisitLocked,
    VisitRefused,
    visit_problems,
)
from fieldapp.visits.store import insert_once, insert_signals


def stored_visit(client_uuid: str, content_hash: str) -> Visit | None:
    """The visit this client_uuid already stored, if any; a conflict if it was stored with other content."""
    existing = db.session.scalar(select(Visit).where(Visit.client_uuid == client_uuid))
    if existing is not None and existing.content_hash not in (None, content_hash):
        raise VisitConflict(existing)
    return existing


def active_program_ids() -> frozenset[int]:
    """The mini-programs a new visit may count registrations in."""
    return frozenset(db.session.scalars(select(MiniProgram.id).where(MiniProgram.active)))


def set_program_regs(visit: Visit, program_regs: dict[int, int]) -> None:
    """Make the visit's per-program rows say `program_regs` (rows kept where they stay, so no key is reused)."""
    rows = {row.mini_program_id: row for row in visit.program_regs}
    for program_id, row in rows.items():
        if program_id not in program_regs:
            visit.program_regs.remove(row)
    for program_id, regs in sorted(program_regs.items()):
        if program_id in rows:
            rows[program_id].regs = regs
        else:
            visit.program_regs.append(VisitProgramRegs(mini_program_id=program_id, regs=regs))


def record_visit(
    user: User, site: Site, data: VisitInput, client_uuid: str, received_at: datetime | None = None
) -> tuple[Visit, bool]:
    """Store a visit once and move the tallies with it. Returns (visit, created). `received_at` is the server's
    clock, for the demo's visits of the days before (the clock checks and trust signals then judge it as sent then).

    The same client_uuid sent again (a retry, a double tap, a resent outbox) with the same
    content returns the visit already stored and changes nothing; with other content it raises
    VisitConflict. The caller commits.
    """
    content_hash = data.content_hash(site)
    # A retry is found by the INSERT below (ON CONFLICT DO NOTHING), not by reading first: the first sending,
    # by far the most common, asks one statement less. A retry the rules now refuse (its door archived since)
    # still returns the visit it stored.
    problems = visit_problems(site, data, active_program_ids() if data.program_regs else frozenset())
    if problems:
        existing = stored_visit(client_uuid, content_hash)
        if existing is not None:
            return existing, False
        raise VisitRefused(problems)

    server_time = received_at or utcnow()
    offset = clock_offset(data.sent_time, server_time)
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
    # What the GPS check and the trust signals ask the database, in one statement, before the door's lock: on
    # SQLite every writer waits for the one holding the write lock, which the door's lock takes. The signals are
    # measured before the INSERT (against the visits before it) so that the score goes in with the row; they
    # follow in one statement. A retry returned above adds none.
    building = site.building
    day = evidence(visit, building)
    check_gps(visit, site, (day.learned_lat, day.learned_lon))
    (found, later), weight = find_signals(visit, building, day), weights()
    visit.trust_score = max(0, FULL_TRUST - sum(weight[signal] for signal in found))
    # Lock the door's row before inserting: the visit's foreign key would otherwise take a
    # shared lock first, and two talks at one door upgrading to FOR UPDATE would deadlock.
    # Locking reloads the door's row and forgets its building: held here, it is found in the session, not read again.
    site = lock_site(site.id)
    if not insert_once(visit, data.program_regs):  # sent before (a retry), or by a request racing this one
        return stored_visit(client_uuid, content_hash), False
    insert_signals(visit, found, weight)
    if later:  # sent out of order (an outbox, an imported file): the visit after it now follows this one
        set_next_gap(visit)
    count_visit(visit, site)
    return visit, True


def undo_visit(user: User, visit: Visit) -> None:
    """The volunteer takes back their own visit within UNDO_WINDOW. The caller commits."""
    if not may_undo_visit(user, visit):
        raise VisitLocked(_l("Only your own visit can be undone, within 5 minutes."))
    site = lock_site(visit.site_id)
    uncount_visit(visit, site)
    visit.undone_at = utcnow()
    db.session.flush()
    set_next_gap(visit)  # the volunteer's next visit now follows the one before this
    audit("visit.undo", visit, before={"undone_at": None}, after={"undone_at": visit.undone_at.isoformat()})


def correct_visit(user: User, visit: Visit, data: VisitInput, reason: str) -> None:
    """A lead or supervisor corrects what was recorded, with a reason; tallies move exactly. Caller commits."""
    if not may_correct_visit(user, visit):
        raise VisitLocked(_l("You cannot correct this visit."))
    if not reason.strip():
        raise VisitRefused({"reason": _l("Say why the visit is corrected.")})
    site = lock_site(visit.site_id)
    data.lat, data.lon, data.accuracy_m, data.device_time = visit.lat, visit.lon, visit.accuracy_m, visit.device_time
    kept = frozenset(row.mini_program_id for row in visit.program_regs)
    problems = visit_problems(site, data, active_program_ids() | kept if data.program_regs else frozenset())
    if problems:
        raise VisitRefused(problems)
    before = visit_snapshot(visit)
    uncount_visit(visit, site)
    for name in CORRECTABLE_FIELDS:
        setattr(visit, name, getattr(data, name))
    set_program_regs(visit, data.program_regs)
    visit.corrected_at, visit.corrected_by_id, visit.correction_reason = utcnow(), user.id, reason.strip()
    db.session.flush()
    db.session.refresh(site)
    count_visit(visit, site)
    recheck_visit(visit)  # its signals from what it now says (e.g. "same installs at every door" after a fix)
    audit("visit.correct", visit, before=before, after={**visit_snapshot(visit), "reason": visit.correction_reason})


def visit_snapshot(visit: Visit) -> dict:
    snapshot = {name: getattr(visit, name) for name in CORRECTABLE_FIELDS}
    if visit.program_regs:
        snapshot["program_regs"] = {str(row.mini_program_id): row.regs for row in visit.program_regs}
    return snapshot
