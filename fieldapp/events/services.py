"""An event's life: record it once (rolled up at once), withdraw it (rolled back out). Callers commit."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp.audit import audit
from fieldapp.database import add_once, utcnow
from fieldapp.events.counting import bump_event_tallies
from fieldapp.events.photos import delete_photo, save_photo
from fieldapp.extensions import db
from fieldapp.models import EVENT_COUNTS, EVENT_KINDS, Area, OutreachEvent, Site, Team, User, in_use
from fieldapp.permissions import may_record_events, may_withdraw_event
from fieldapp.refusals import Refused
from fieldapp.visits.clock import deployment_zone

#: 人次 at one event: a stadium talk or a broadcast to a district's chat groups, not more.
EVENT_COUNT_MAX = 100_000
#: An event's title and note, as the columns hold them.
EVENT_TITLE_MAX = 100
EVENT_NOTE_MAX = 1000
#: A phone clock slightly ahead is no reason to refuse; an event next week has not happened yet.
FUTURE_SLACK = timedelta(minutes=10)
#: Events are recorded soon after they are held; older is a typing mistake in the year.
OLDEST = timedelta(days=366)


@dataclass
class EventInput:
    """An event as typed: `held_at` is local wall-clock time (naive), in the deployment's time zone."""

    kind: str
    area_id: int | None
    held_at: datetime | None
    title: str = ""
    site_id: int | None = None
    team_id: int | None = None
    note: str = ""
    counts: dict[str, int] = field(default_factory=dict)


def local_to_utc(moment: datetime) -> datetime:
    """A local wall-clock time as the naive UTC every DateTime column stores."""
    return moment.replace(tzinfo=deployment_zone()).astimezone(UTC).replace(tzinfo=None)


def utc_to_local_day(moment: datetime) -> date:
    return moment.replace(tzinfo=UTC).astimezone(deployment_zone()).date()


def event_problems(user: User, data: EventInput) -> tuple[dict, Area | None]:
    """Every reason to refuse the event, by field, and its area when that is one the user may use."""
    problems = {}
    if data.kind not in EVENT_KINDS:
        problems["kind"] = _l("Pick the kind of event.")
    area = db.session.get(Area, data.area_id) if data.area_id else None
    if area is None or not user.can_see(area) or area.is_archived:
        problems["area_id"], area = _l("Pick a place inside your area."), None
    if data.site_id is not None:
        site = db.session.get(Site, data.site_id)
        if site is None or area is None or not area.contains(site.building):
            problems["site_id"] = _l("This site is not in the place picked.")
    if data.team_id is not None:
        team = db.session.get(Team, data.team_id)
        if team is None or not user.can_see(team.area):
            problems["team_id"] = _l("Pick a team of your area.")
    for name in EVENT_COUNTS:
        value = data.counts.get(name, 0)
        if value is None or not 0 <= value <= EVENT_COUNT_MAX:
            problems[name] = _l("Enter a number from 0 to %(max)s.", max=f"{EVENT_COUNT_MAX:,}")
    if data.held_at is None:
        problems["held_at"] = _l("Say when the event was held.")
    else:
        now = utcnow()
        held = local_to_utc(data.held_at)
        if held > now + FUTURE_SLACK:
            problems["held_at"] = _l("This time has not come yet: record an event once it is held.")
        elif held < now - OLDEST:
            problems["held_at"] = _l("This is more than a year ago: check the date.")
    if len(data.title) > EVENT_TITLE_MAX:
        problems["title"] = _l("At most %(max)s characters.", max=EVENT_TITLE_MAX)
    if len(data.note) > EVENT_NOTE_MAX:
        problems["note"] = _l("At most %(max)s characters.", max=EVENT_NOTE_MAX)
    return problems, area


def stored_event(client_uuid: str) -> OutreachEvent | None:
    return db.session.scalar(select(OutreachEvent).where(OutreachEvent.client_uuid == client_uuid))


def record_event(user: User, data: EventInput, client_uuid: str, photo=None) -> tuple[OutreachEvent, bool]:
    """Store an event once and roll it up with it. Returns (event, created); the caller commits.

    The same client_uuid sent again (a retry, a double tap) returns the event already stored and changes
    nothing. Anything wrong raises Refused before anything is written (or any photo kept)."""
    existing = stored_event(client_uuid)
    if existing is not None:
        return existing, False
    if not may_record_events(user):
        raise Refused(_l("Events are recorded by supervisors and team leaders."))
    problems, area = event_problems(user, data)
    if problems:
        raise Refused(problems)
    photo_name = save_photo(photo) if photo is not None else None
    held_at = local_to_utc(data.held_at)
    event = OutreachEvent(
        client_uuid=client_uuid,
        kind=data.kind,
        title=data.title.strip(),
        area_id=area.id,
        site_id=data.site_id,
        team_id=data.team_id,
        recorded_by_id=user.id,
        held_at=held_at,
        day=utc_to_local_day(held_at),
        note=data.note.strip(),
        photo=photo_name,
        **{name: data.counts.get(name, 0) for name in EVENT_COUNTS},
    )
    if not add_once(event):  # another request stored the same client_uuid between our check and our insert
        delete_photo(photo_name)
        return stored_event(client_uuid), False
    bump_event_tallies(event)
    audit("event.record", event, after={"area_id": area.id, "kind": event.kind, "people_reached": event.people_reached})
    return event, True


def withdraw_event(user: User, event: OutreachEvent) -> None:
    """Take an event recorded by mistake out of every rollup; it stays on record, marked withdrawn."""
    if not may_withdraw_event(user, event):
        raise Refused(_l("Only whoever recorded this event, or a supervisor, can withdraw it."))
    bump_event_tallies(event, sign=-1)
    event.withdrawn_at = utcnow()
    audit(
        "event.withdraw", event, before={"withdrawn_at": None}, after={"withdrawn_at": event.withdrawn_at.isoformat()}
    )


def visible_areas_for_events(user: User) -> list[Area]:
    """The places an event may be held at, for the picker: the user's area and those below, down to grids."""
    return list(
        db.session.scalars(
            select(Area).where(Area.within(user.area), in_use(), Area.level != "building").order_by(Area.path)
        )
    )
