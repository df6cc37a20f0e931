"""A volunteer's walk list: the buildings they are to knock through, the most doors left first; those given to
them by name (包户到人) come first, in a list of their own."""

from sqlalchemy import or_, select

from fieldapp.assignments.queries import my_buildings
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
    return ranked(buildings)[:limit]


def ranked(buildings: list[Area]) -> list[tuple[Area, Totals]]:
    """Each building with its totals, the most uncovered households first."""
    # Only coverage is shown: no targets, campaign or mini-program sums (three queries per list, twice on Today).
    totals = child_totals_for(buildings, targets=False)
    return sorted(
        ((building, totals[building.id]) for building in buildings),
        key=lambda row: (-(row[1].resident_households - row[1].households_covered), row[0].path),
    )


def walk_lists(user: User) -> tuple[list[tuple[Area, Totals]], list[tuple[Area, Totals]]]:
    """(我的楼栋: the buildings given to me by name, the rest of the walk list), each most doors left first."""
    mine = db.session.scalars(my_buildings(user).order_by(Area.path).limit(WALK_LIST_LIMIT)).all()
    mine_ids = {building.id for building in mine}
    rest = [row for row in walk_list(user) if row[0].id not in mine_ids]
    return (ranked(mine) if mine else []), rest
