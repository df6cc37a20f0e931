"""Reads of visits that several pages share."""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from fieldapp.extensions import db
from fieldapp.models import Area, Visit


def latest_visit_ids(*conditions):
    """SQL: the id of each door's latest visit not taken back, among the visits meeting `conditions`.

    The latest, whatever its review: a rejected "not home" still says the door was knocked on.
    """
    return select(func.max(Visit.id)).where(Visit.undone_at.is_(None), *conditions).group_by(Visit.site_id)


def last_outcomes(building_ids: list[int]) -> dict[int, str]:
    """{site id: the outcome of its latest visit} for the doors of these buildings (the door list's colours)."""
    latest = latest_visit_ids(Visit.building_id.in_(building_ids))
    return dict(db.session.execute(select(Visit.site_id, Visit.outcome).where(Visit.id.in_(latest))).all())


def latest_visits(building: Area) -> dict[int, Visit]:
    """{site id: its latest visit}, each with the volunteer who made it (the roster's "last visit")."""
    latest = latest_visit_ids(Visit.building_id == building.id)
    visits = db.session.scalars(select(Visit).where(Visit.id.in_(latest)).options(joinedload(Visit.user)))
    return {visit.site_id: visit for visit in visits}
