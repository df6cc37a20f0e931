"""Revisits due (回访): households of a key group with a revisit interval whose last talk is older than it.

The last talk is read only for the marked households in scope (the visits index by site), never by counting
every visit of the area on each page load.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select

from fieldapp.extensions import db
from fieldapp.models import RESIDENT_STATUSES, Area, KeyGroup, Site, SiteKeyGroup, Visit, in_use

#: Households Today lists as due; the most overdue first.
DUE_LIST_LIMIT = 10


@dataclass
class Due:
    site: Site
    group: KeyGroup
    #: The day of its last talk, None if nobody ever talked to it.
    last_talked: date | None
    #: Days past the day it was due (0: due today); None when never talked to.
    overdue_days: int | None


def last_talk_days(site_ids):
    """SQL: (site id, day of its last counted talk) for the sites `site_ids` selects."""
    return (
        select(Visit.site_id, func.max(Visit.day).label("last_day"))
        .where(Visit.site_id.in_(site_ids), Visit.outcome == "talked", Visit.counts_in_tallies)
        .group_by(Visit.site_id)
        .subquery()
    )


def due_revisits(
    *, building_ids: list[int] | None = None, area: Area | None = None, today: date, limit: int = DUE_LIST_LIMIT
) -> list[Due]:
    """Households due for a revisit in these buildings (or anywhere in `area`), never talked to first, then the
    most overdue. A household in two groups is listed once, for the group whose interval it is furthest past."""
    found: dict[int, Due] = {}
    groups = db.session.scalars(
        select(KeyGroup).where(KeyGroup.archived_at.is_(None), KeyGroup.revisit_days.is_not(None))
    ).all()
    in_scope = select(Site.id).join(Area, Area.id == Site.building_id)
    if building_ids is not None:
        in_scope = in_scope.where(Site.building_id.in_(building_ids))
    elif area is not None:
        in_scope = in_scope.where(Area.within(area))
    for group in groups:
        marked = select(SiteKeyGroup.site_id).where(
            SiteKeyGroup.key_group_id == group.id, SiteKeyGroup.site_id.in_(in_scope)
        )
        last = last_talk_days(marked)
        cutoff = today - timedelta(days=group.revisit_days)
        query = (
            select(Site, last.c.last_day)
            .join(SiteKeyGroup, (SiteKeyGroup.site_id == Site.id) & (SiteKeyGroup.key_group_id == group.id))
            .join(Area, Area.id == Site.building_id)
            .outerjoin(last, last.c.site_id == Site.id)
            .where(Site.status.in_(RESIDENT_STATUSES), in_use(Area))
            .where(or_(last.c.last_day.is_(None), last.c.last_day <= cutoff))
            # Never talked to first (NULL sorts first written this way on both databases), then the oldest talk.
            .order_by(last.c.last_day.is_not(None), last.c.last_day, Site.id)
            .where(Site.id.in_(in_scope))
            .limit(limit)
        )
        for site, last_day in db.session.execute(query).all():
            overdue = None if last_day is None else (today - last_day).days - group.revisit_days
            due = Due(site, group, last_day, overdue)
            held = found.get(site.id)
            if held is None or _more_overdue(due, held):
                found[site.id] = due
    ranked = sorted(found.values(), key=lambda d: (d.overdue_days is not None, -(d.overdue_days or 0), d.site.id))
    return ranked[:limit]


def _more_overdue(due: Due, other: Due) -> bool:
    if due.overdue_days is None or other.overdue_days is None:
        return False
    return due.overdue_days > other.overdue_days
