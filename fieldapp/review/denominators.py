"""Changes to the denominator (应入户数) for a supervisor to review beside the visits: households marked moved out,
vacant or newly moved in, doors added, buildings archived or restored. Read from the audit trail, where every one
of those writes is recorded (roster/services.py, roster/moving.py, areas/moves.py); a supervisor's acknowledgement
is itself an audit event ("denominator.acknowledge" on the event), so nothing new is stored and all is on the trail.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fieldapp.audit import audit
from fieldapp.extensions import db
from fieldapp.models import RESIDENT_STATUSES, Area, AuditEvent, Site, User
from fieldapp.permissions import may_review
from fieldapp.refusals import Refused
from fieldapp.visits.clock import local_day_start

#: The audited writes that can change who counts as a resident household.
SITE_ACTIONS = ("site.create", "site.update", "site.moved_out_undone")
AREA_ACTIONS = ("area.archive", "area.restore")
#: What acknowledging a change is audited as (object: the audit event of the change).
ACKNOWLEDGE = "denominator.acknowledge"
#: How each kind of change was made, as the list says it.
CHANGE_HOW = {
    "site.create": _l("Door added to the roster"),
    "site.update": _l("Door edited: door page, roster or roster import"),
    "site.moved_out_undone": _l("Move-out taken back"),
    "area.archive": _l("Area archived"),
    "area.restore": _l("Area restored"),
}
#: Changes listed per page.
CHANGES_PAGE_SIZE = 50


@dataclass
class Change:
    """One change to the denominator, as the list shows it."""

    event: AuditEvent
    #: The door or the area it is about (None if it no longer exists).
    site: Site | None
    area: Area | None
    #: Status before and after (a door), or None for an area.
    status_before: str | None
    status_after: str | None
    #: The building's (or archived area's) resident households just before and just after; None when unknown.
    households_before: int | None
    households_after: int | None
    acknowledged: AuditEvent | None = None


def counts(kind: str | None, status: str | None) -> int:
    """1 if a site of this kind and status is a resident household (models.Site.is_resident_household)."""
    return int((kind or "household") == "household" and status in RESIDENT_STATUSES)


def site_delta(event: AuditEvent, site: Site | None) -> tuple[str | None, str | None, int]:
    """(status before, status after, change to the building's resident households) of one site event.
    An import's update carries only the fields it changed: the others are as they were (or are now)."""
    before, after = event.before or {}, event.after or {}
    if event.action == "site.create":
        return None, after.get("status"), counts(after.get("kind"), after.get("status"))
    now_kind = site.kind if site is not None else None
    kind_before = before.get("kind", after.get("kind", now_kind))
    kind_after = after.get("kind", kind_before)
    status_before = before.get("status", after.get("status"))
    status_after = after.get("status", status_before)
    return status_before, status_after, counts(kind_after, status_after) - counts(kind_before, status_before)


def is_denominator_change(event: AuditEvent, status_before, status_after, delta: int) -> bool:
    if event.action in AREA_ACTIONS:
        return True
    return delta != 0 or status_before != status_after


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC instants of the local days' start and the next day's start (events are stored in UTC)."""
    return local_day_start(first), local_day_start(last + timedelta(days=1))


def denominator_changes(area: Area, first: date, last: date, open_only: bool = False) -> list[Change]:
    """The denominator changes in `area` from `first` to `last` (local days), newest first.

    The building's resident households before and after each change are worked back from today's count
    through the audited site changes since; a roster import's added doors are one event with a count
    ("sites.import"), not per building, so where one came later the figures are left out rather than guessed.
    """
    start, end = day_bounds(first, last)
    in_area = select(Area.id).where(Area.within(area))
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.area_id.in_(in_area),
            AuditEvent.action.in_((*SITE_ACTIONS, *AREA_ACTIONS)),
            AuditEvent.at >= start,
            AuditEvent.at < end,
        )
        .order_by(AuditEvent.id.desc())
        .options(joinedload(AuditEvent.user))
    ).all()
    sites = {
        site.id: site
        for site in db.session.scalars(
            select(Site).where(Site.id.in_({e.object_id for e in events if e.object_type == "site"}))
        )
    }
    areas = {a.id: a for a in db.session.scalars(select(Area).where(Area.id.in_({e.area_id for e in events})))}
    changes = []
    for event in events:
        site = sites.get(event.object_id) if event.object_type == "site" else None
        if event.action in AREA_ACTIONS:
            changed = areas.get(event.area_id)
            households = changed.resident_households if changed is not None else None
            archived = event.action == "area.archive"
            change = Change(
                event, None, changed, None, None, households if archived else 0, 0 if archived else households
            )
        else:
            status_before, status_after, delta = site_delta(event, site)
            if not is_denominator_change(event, status_before, status_after, delta):
                continue
            change = Change(event, site, areas.get(event.area_id), status_before, status_after, None, None)
        changes.append(change)
    work_back_households([c for c in changes if c.event.action in SITE_ACTIONS])
    if changes:
        acknowledged = acknowledgements([c.event.id for c in changes])
        for change in changes:
            change.acknowledged = acknowledged.get(change.event.id)
    if open_only:
        changes = [change for change in changes if change.acknowledged is None]
    return changes


def work_back_households(changes: list[Change]) -> None:
    """Fill in each building's resident households before and after each change: today's count, less every
    audited change of that building's doors since (the listed ones and any later)."""
    by_building: dict[int, list[Change]] = {}
    for change in changes:
        by_building.setdefault(change.event.area_id, []).append(change)
    for building_id, listed in by_building.items():
        building = db.session.get(Area, building_id)
        oldest = min(change.event.id for change in listed)
        if building is None or imported_since(building, listed[-1].event.at):
            continue
        later = db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.area_id == building_id,
                AuditEvent.action.in_(SITE_ACTIONS),
                AuditEvent.id >= oldest,
            )
            .order_by(AuditEvent.id.desc())
        ).all()
        sites = {s.id: s for s in db.session.scalars(select(Site).where(Site.id.in_({e.object_id for e in later})))}
        listed_by_id = {change.event.id: change for change in listed}
        households = building.resident_households
        for event in later:  # newest first: the count after this change is the count before the next one
            delta = site_delta(event, sites.get(event.object_id))[2]
            if event.id in listed_by_id:
                listed_by_id[event.id].households_after = households
                listed_by_id[event.id].households_before = households - delta
            households -= delta


def imported_since(building: Area, moment: datetime) -> bool:
    """Whether a roster import added doors to this building after `moment` (not audited door by door)."""
    above = building.ancestor_ids
    return (
        db.session.scalar(
            select(AuditEvent.id)
            .where(AuditEvent.action == "sites.import", AuditEvent.area_id.in_(above), AuditEvent.at >= moment)
            .limit(1)
        )
        is not None
    )


def acknowledgements(event_ids: list[int]) -> dict[int, AuditEvent]:
    """{event id: its acknowledgement} for those acknowledged."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.action == ACKNOWLEDGE, AuditEvent.object_id.in_(event_ids))
        .options(joinedload(AuditEvent.user))
    )
    return {event.object_id: event for event in db.session.scalars(query)}


def acknowledge_change(user: User, event: AuditEvent) -> bool:
    """A supervisor has seen this change to the denominator; audited. False when it already was. The caller
    commits; the caller has checked the event lies in the user's area."""
    if not may_review(user):
        raise Refused(_l("Only supervisors acknowledge household changes."))
    if event.action not in (*SITE_ACTIONS, *AREA_ACTIONS):
        raise Refused(_l("This is not a household change."))
    if acknowledgements([event.id]):
        return False
    audit(ACKNOWLEDGE, event, after={"action": event.action, "object_type": event.object_type})
    return True
