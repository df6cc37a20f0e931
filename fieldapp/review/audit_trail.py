"""Reading the audit trail of an area: who changed, downloaded or revealed what, and when, a page at a time.

An event belongs to the area audit.area_of() gave it when it was written. A supervisor reads their area's events
and nothing else; events with no area (settings, and those written before events carried an area) are shown to
admins only, on their own area's trail."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from fieldapp.audit import DOWNLOAD_ACTIONS, PERSONAL_DATA_ACTIONS
from fieldapp.extensions import db
from fieldapp.models import Area, AuditEvent, User
from fieldapp.permissions import may_read_unplaced_audit
from fieldapp.visits.clock import local_day_start

#: Events per page.
AUDIT_PAGE_SIZE = 50
#: The "what" filter's groups, besides one action by name.
ACTION_GROUPS = {"downloads": DOWNLOAD_ACTIONS, "personal": PERSONAL_DATA_ACTIONS}


@dataclass
class TrailFilter:
    who: int | None = None
    what: str | None = None
    first: date | None = None
    last: date | None = None


def trail_scope(user: User, area: Area) -> list:
    """The WHERE of the events `user` may read in `area` (the caller checked `area` is theirs to see)."""
    in_area = AuditEvent.area_id.in_(select(Area.id).where(Area.within(area)))
    if may_read_unplaced_audit(user) and area.id == user.area_id:
        return [or_(in_area, AuditEvent.area_id.is_(None))]
    return [in_area]


def trail_conditions(user: User, area: Area, trail: TrailFilter) -> list:
    conditions = trail_scope(user, area)
    if trail.who:
        conditions.append(AuditEvent.user_id == trail.who)
    if trail.what in ACTION_GROUPS:
        conditions.append(AuditEvent.action.in_(ACTION_GROUPS[trail.what]))
    elif trail.what:
        conditions.append(AuditEvent.action == trail.what)
    if trail.first:
        conditions.append(AuditEvent.at >= local_day_start(trail.first))
    if trail.last:
        conditions.append(AuditEvent.at < local_day_start(trail.last + timedelta(days=1)))
    return conditions


def trail_page(user: User, area: Area, trail: TrailFilter, page: int = 1) -> tuple[list[AuditEvent], int]:
    """(events, total): one page of the trail, newest first."""
    conditions = trail_conditions(user, area, trail)
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions))
    events = db.session.scalars(
        select(AuditEvent)
        .where(*conditions)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(AUDIT_PAGE_SIZE)
        .offset((page - 1) * AUDIT_PAGE_SIZE)
        .options(joinedload(AuditEvent.user))
    ).all()
    return list(events), total


def trail_choices(user: User, area: Area) -> tuple[list[str], list[User]]:
    """The actions and the people found on the trail the user may read: the "what" and "who" filters' choices."""
    scope = trail_scope(user, area)
    actions = db.session.scalars(select(AuditEvent.action).where(*scope).distinct().order_by(AuditEvent.action))
    people = select(AuditEvent.user_id).where(*scope).distinct()
    users = db.session.scalars(select(User).where(User.id.in_(people)).order_by(User.display_name, User.id))
    return list(actions), list(users)


def area_names(events: list[AuditEvent]) -> dict[int, str]:
    """{area id: name} of the events' areas, in one query."""
    ids = {event.area_id for event in events if event.area_id is not None}
    return dict(db.session.execute(select(Area.id, Area.name).where(Area.id.in_(ids))).all()) if ids else {}
