"""What the assignment pages show: a station's tree with who holds each part, a team's grids and buildings with
their members, a volunteer's own buildings, and the count of buildings no team holds. A handful of queries per
page, whatever the station's size (the tree is one query, not one per building)."""

from dataclasses import dataclass, field

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from fieldapp.assignments.holdings import holder_of
from fieldapp.assignments.services import member_holdings, team_holdings
from fieldapp.extensions import db
from fieldapp.models import Area, MemberAssignment, Team, TeamMembership, User, in_use, team_areas


@dataclass
class Block:
    """An area above buildings (a community, a grid) and the buildings directly in it, each with its holders."""

    area: Area
    depth: int
    team: Team | None = None
    member: User | None = None
    buildings: list = field(default_factory=list)  # [(building, team, member)]
    #: No team holds the whole of it, but some hold parts.
    partly: bool = False


def station_tree(station: Area, teams: dict[int, Team], unassigned_only: bool = False) -> list[Block]:
    """The station's communities, grids and buildings (not archived) in tree order, with each one's team and
    member (held directly or through the area around it)."""
    areas = db.session.scalars(select(Area).where(Area.within(station), in_use()).order_by(Area.path)).all()
    team_hold, _known = team_holdings(station)
    member_hold, _areas = member_holdings(station)
    people = {
        user.id: user
        for user in db.session.scalars(select(User).where(User.id.in_({u for u, _t in member_hold.values()})))
    }
    depth = len(station.ancestor_ids)
    blocks: dict[int, Block] = {}
    for area in areas:
        team = teams.get(holder_of(team_hold, area))
        held = holder_of(member_hold, area)
        member = people.get(held[0]) if held else None
        if area.level != "building":
            blocks[area.id] = Block(area, len(area.ancestor_ids) - depth, team, member)
        elif area.parent_id in blocks and not (unassigned_only and team):
            blocks[area.parent_id].buildings.append((area, team, member))
    for area in areas:
        if area.id in team_hold:
            for ancestor_id in area.ancestor_ids[:-1]:
                if ancestor_id in blocks and blocks[ancestor_id].team is None:
                    blocks[ancestor_id].partly = True
    return [block for block in blocks.values() if block.area.id != station.id or block.buildings]


def unassigned_buildings(area: Area):
    """A SELECT of the buildings (not archived) in `area` that no team holds, itself or through an area above."""
    holder = aliased(Area)
    held = exists(
        select(team_areas.c.area_id)
        .join(holder, holder.id == team_areas.c.area_id)
        .where(Area.path.startswith(holder.path), in_use(holder))
    )
    return select(Area).where(Area.within(area), Area.level == "building", in_use(), ~held)


def unassigned_count(area: Area) -> int:
    """How many of unassigned_buildings(area) there are: the areas teams hold (a few hundred) read once and looked
    up in each building's path here, instead of a path join per building (276 ms for a 1M-site station)."""
    holder = aliased(Area)
    # Only what could hold one of these buildings: areas inside `area`, or `area` and those above it.
    near = or_(holder.within(area), holder.id.in_(area.ancestor_ids))
    held = {
        str(area_id)  # as they appear between the slashes of a path: compared without parsing a number
        for area_id in db.session.scalars(
            select(team_areas.c.area_id).join(holder, holder.id == team_areas.c.area_id).where(near, in_use(holder))
        )
    }
    paths = db.session.scalars(select(Area.path).where(Area.within(area), Area.level == "building", in_use()))
    return sum(1 for path in paths if held.isdisjoint(path.split("/")))


def team_members(team: Team) -> list[User]:
    """The people in the team now (an open membership), by name."""
    return db.session.scalars(
        select(User)
        .join(TeamMembership, TeamMembership.user_id == User.id)
        .where(TeamMembership.team_id == team.id, TeamMembership.ended_at.is_(None))
        .order_by(User.display_name)
    ).all()


def team_rows(team: Team) -> list[tuple[Area, User | None, User | None]]:
    """The grids and buildings the team holds (not archived), in tree order: (area, member given it directly,
    member holding it through the grid around it)."""
    roots = [area for area in team.assigned_areas if area.archived_at is None]
    if not roots:
        return []
    areas = db.session.scalars(
        select(Area)
        .where(
            or_(*[Area.within(root) for root in roots]),
            Area.level.in_(("grid", "building")),
            in_use(),
        )
        .order_by(Area.path)
    ).all()
    given = {
        row.area_id: row.user
        for row in db.session.scalars(select(MemberAssignment).where(MemberAssignment.team_id == team.id))
    }
    hold = {area_id: user.id for area_id, user in given.items()}
    users = {user.id: user for user in given.values()}
    return [(area, given.get(area.id), users.get(holder_of(hold, area))) for area in areas]


def my_buildings(user: User):
    """A SELECT of the buildings (not archived) given to `user` by name through their team now."""
    mine = aliased(Area)
    given = (
        select(mine.path)
        .join(MemberAssignment, MemberAssignment.area_id == mine.id)
        .where(MemberAssignment.user_id == user.id, MemberAssignment.team_id == user.team_id)
    )
    return select(Area).where(
        Area.level == "building",
        in_use(),
        exists(given.where(and_(Area.path.startswith(mine.path)))),
    )
