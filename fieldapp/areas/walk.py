"""A volunteer's walk list: the buildings they are to knock through, the most doors left first."""

from sqlalchemy import or_, select

from fieldapp.extensions import db
from fieldapp.limits import WALK_LIST_LIMIT
from fieldapp.models import Area, User, in_use
from fieldapp.tallies import Totals, child_totals_for


def walk_list(user: User, limit: int = WALK_LIST_LIMIT) -> list[tuple[Area, Totals]]:
    """Buildings assigned to the user's team (else all in the user's area), most uncovered households first."""
    team = user.team
    roots = [area for area in (team.assigned_areas if team else []) if user.can_see(area)]
    roots = roots or [user.area]
    buildings = db.session.scalars(
        select(Area)
        .where(Area.level == "building", or_(*[Area.within(root) for root in roots]), in_use())
        .order_by(Area.path)
        .limit(WALK_LIST_LIMIT)
    ).all()
    totals = child_totals_for(buildings)
    walk = sorted(
        ((building, totals[building.id]) for building in buildings),
        key=lambda row: (-(row[1].resident_households - row[1].households_covered), row[0].path),
    )
    return walk[:limit]
