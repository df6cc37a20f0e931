"""The review desk (office PC): a day's or a week's visits of an area as a dense table, sorted and filtered in the
database, a page at a time; the set a filter matches, for approving all of it at once; and its review tallies.

Verdicts themselves go through services.review_visit / approve_visits: the one place for the rule."""

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from fieldapp.access import users_within
from fieldapp.extensions import db
from fieldapp.labels import TRUST_SIGNALS
from fieldapp.models import Area, Site, User, Visit, VisitSignal
from fieldapp.periods import week_bounds
from fieldapp.permissions import records_visits
from fieldapp.review.services import DESK_STATUSES, happened, visits_of

#: Rows per page: about 30 px each, so a page is a few screens of an office PC, and a station's 400 a day is 4 pages.
DESK_PAGE_SIZE = 100
#: The sort orders the desk offers: the least trusted first, in time order, by volunteer.
DESK_SORTS = ("score", "time", "volunteer")


@dataclass
class DeskFilter:
    """What the desk shows; every field comes from the GET query, so a filtered page is a link."""

    day: date
    week: bool = False
    signal: str | None = None
    team_id: int | None = None
    user_id: int | None = None
    score_below: int | None = None
    status: str | None = None
    sort: str = "score"

    @property
    def days(self) -> tuple[date, date]:
        return week_bounds(self.day) if self.week else (self.day, self.day)


def desk_conditions(area: Area, desk: DeskFilter) -> list:
    """The WHERE of the desk: visits of `area`'s buildings in the days shown, not taken back, and each filter."""
    conditions = visits_of(area, *desk.days)
    if desk.signal in TRUST_SIGNALS:
        # By the index (signal, visit_id).
        conditions.append(Visit.id.in_(select(VisitSignal.visit_id).where(VisitSignal.signal == desk.signal)))
    if desk.team_id:
        conditions.append(Visit.team_id == desk.team_id)
    if desk.user_id:
        conditions.append(Visit.user_id == desk.user_id)
    if desk.score_below is not None:
        conditions.append(Visit.trust_score < desk.score_below)
    if desk.status in DESK_STATUSES:
        conditions.append(Visit.review_status == desk.status)
    return conditions


def desk_page(area: Area, desk: DeskFilter, page: int = 1) -> tuple[list[Visit], int]:
    """(visits, total): one page of what the filter matches, in the chosen order, with what each row shows loaded."""
    conditions = desk_conditions(area, desk)
    total = db.session.scalar(select(func.count()).select_from(Visit).where(*conditions))
    order = {
        "score": (Visit.trust_score, happened(), Visit.id),
        "time": (happened(), Visit.id),
        "volunteer": (User.display_name, User.id, happened(), Visit.id),
    }[desk.sort if desk.sort in DESK_SORTS else "score"]
    query = (
        select(Visit)
        .join(User, User.id == Visit.user_id)
        .where(*conditions)
        .order_by(*order)
        .limit(DESK_PAGE_SIZE)
        .offset((page - 1) * DESK_PAGE_SIZE)
        .options(
            joinedload(Visit.site).selectinload(Site.tags),
            joinedload(Visit.user),
            joinedload(Visit.team),
            joinedload(Visit.building).joinedload(Area.parent),
        )
    )
    visits = list(db.session.scalars(query).unique())
    return visits, total


def matching_ids(area: Area, desk: DeskFilter) -> list[int]:
    """Every visit id the filter matches, across all pages: what "select all N matching" acts on."""
    return list(db.session.scalars(select(Visit.id).where(*desk_conditions(area, desk)).order_by(Visit.id)))


def matching_key(ids: list[int]) -> str:
    """What "approve all N matching" was shown: how many visits and a digest of which, so that a set that changed
    but kept its size (one visit rejected by a colleague, one new visit arrived) is refused too."""
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
    return f"{len(ids)}-{digest}"


def visit_recorders(area: Area) -> list[User]:
    """The people the volunteer filter can find: those of the area who record visits, and anyone else of it
    who has visits there (a supervisor who once knocked); not the desk people with no visit to show."""
    people = db.session.scalars(users_within(area).order_by(User.display_name)).all()
    # Only the few who do not record visits are looked up, by their own visits (not the area's million).
    others = [person.id for person in people if not records_visits(person)]
    has_visits = set()
    if others:
        visited = (
            select(Visit.user_id)
            .join(Area, Area.id == Visit.building_id)
            .where(Visit.user_id.in_(others), Area.within(area))
            .distinct()
        )
        has_visits = set(db.session.scalars(visited))
    return [person for person in people if records_visits(person) or person.id in has_visits]
