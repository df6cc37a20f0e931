"""A household that left (已搬离): what marking it changes, marking it, and taking that back within UNDO_WINDOW."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.limits import UNDO_WINDOW
from fieldapp.models import RESIDENT_STATUSES, Area, AuditEvent, Site, User
from fieldapp.permissions import may_edit_door
from fieldapp.refusals import Refused
from fieldapp.roster.services import snapshot

#: What taking back a move-out is audited as (the move-out itself is a "site.update", as every roster edit).
UNDO_ACTION = "site.moved_out_undone"


def counter_changes(site: Site, user: User, done: bool = False) -> list[tuple[Area, int, int]]:
    """(area, 应入户 before, 应入户 after) of the move-out for the door's building and each area above it that the
    user sees, building first: about to happen, or `done` (the counters already moved). Empty when the door
    does not count (a vacant flat, a shop) and so moves no counter."""
    if done:
        event = last_move_out(site)
        counts = event is not None and site.kind == "household" and event.before["status"] in RESIDENT_STATUSES
    else:
        counts = site.is_resident_household
    if not counts:
        return []
    areas = db.session.scalars(select(Area).where(Area.id.in_(site.building.ancestor_ids))).all()
    shown = sorted((area for area in areas if user.can_see(area)), key=lambda area: -len(area.path))
    shift = 1 if done else 0
    return [(area, area.resident_households + shift, area.resident_households + shift - 1) for area in shown]


def last_move_out(site: Site) -> AuditEvent | None:
    """The event that marked the door moved out, if that was the last change to its facts."""
    if site.status != "moved_out":
        return None
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.object_type == "site", AuditEvent.object_id == site.id, AuditEvent.action == "site.update")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if (
        event is None
        or (event.after or {}).get("status") != "moved_out"
        or (event.before or {}).get("status") in (None, "moved_out")
    ):
        return None
    return event


def undo_deadline(site: Site) -> datetime | None:
    """Until when the move-out may be taken back, or None when it may not (any more)."""
    event = last_move_out(site)
    if event is None or utcnow() - event.at > UNDO_WINDOW:
        return None
    return event.at + UNDO_WINDOW


def undo_moved_out(user: User, site: Site) -> str:
    """Give the door back the status it had before it was marked moved out; audited. Returns that status.
    Refused after UNDO_WINDOW, when something else changed since, or for someone who may not edit the roster.
    The caller commits."""
    if not may_edit_door(user, site):
        raise Refused(_l("Only the area's leads and supervisors may take back a move-out."))
    event = last_move_out(site)
    if event is None:
        raise Refused(_l("%(door)s is not marked as moved out any more; nothing to take back.", door=site.door_label))
    if utcnow() - event.at > UNDO_WINDOW:
        raise Refused(
            _l(
                "A move-out can be taken back for %(minutes)d minutes only. Edit the door to change its status.",
                minutes=int(UNDO_WINDOW.total_seconds() // 60),
            )
        )
    before = snapshot(site)
    site.status = event.before["status"] if event.before["status"] in (*RESIDENT_STATUSES, "vacant") else "occupied"
    audit(UNDO_ACTION, site, before=before, after=snapshot(site))
    return site.status
