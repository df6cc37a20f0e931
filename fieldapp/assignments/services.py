"""包片包户 writes: areas to a team (a supervisor), a team's grids and buildings to its members (its leader), and
a member's buildings ending when they leave the team. Each loads the holdings once, changes them by the one rule
in holdings.py, writes back only the difference in bulk, and is audited; the caller commits.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, or_, select

from fieldapp.assignments.holdings import changes, give, holder_of, outermost
from fieldapp.audit import audit
from fieldapp.extensions import db
from fieldapp.models import Area, MemberAssignment, Team, User, team_areas
from fieldapp.refusals import Refused


def team_holdings(station: Area) -> tuple[dict[int, int], dict[int, Area]]:
    """({area id: team id}, {area id: area}) for the team holdings at, above or inside `station`."""
    rows = db.session.execute(
        select(team_areas.c.team_id, Area)
        .join(Area, Area.id == team_areas.c.area_id)
        .where(or_(Area.within(station), Area.id.in_(station.ancestor_ids)), Area.archived_at.is_(None))
    ).all()
    return {area.id: team_id for team_id, area in rows}, {area.id: area for _team_id, area in rows}


def member_holdings(station: Area) -> tuple[dict[int, tuple[int, int]], dict[int, Area]]:
    """({area id: (user id, team id)}, {area id: area}) for the members' holdings inside `station`."""
    rows = db.session.execute(
        select(MemberAssignment.user_id, MemberAssignment.team_id, Area)
        .join(Area, Area.id == MemberAssignment.area_id)
        .where(Area.within(station), Area.archived_at.is_(None))
    ).all()
    return {area.id: (user_id, team_id) for user_id, team_id, area in rows}, {a.id: a for _u, _t, a in rows}


def assign_to_team(station: Area, areas: list[Area], team: Team | None, by: User) -> int:
    """The areas (grids, buildings, communities of `station`) are held by `team` from now on, or by no team.
    Another team's hold on them or their parts ends (and its members' with it); returns how many were given."""
    if not areas:
        raise Refused(_l("Tick at least one grid or building."))
    if any(not station.contains(area) or area.id == station.id for area in areas):
        raise Refused(_l("Only the grids and buildings of %(station)s can be given here.", station=station.name))
    if team is not None and any(not team.area.contains(area) for area in areas):
        raise Refused(
            _l("%(team)s works in %(place)s: it cannot hold areas outside it.", team=team.name, place=team.area.name)
        )
    before, known = team_holdings(station)
    after = dict(before)
    members_before, member_areas = member_holdings(station)
    members_after = dict(members_before)
    roots = outermost(areas)
    for area in roots:
        known[area.id] = member_areas[area.id] = area
        give(after, known, area, team.id if team else None)
        same_team = (lambda holder: holder[1] == team.id) if team else (lambda holder: False)
        give(members_after, member_areas, area, None, untouched=same_team)
    ended, started = changes(before, after)
    _write_teams(before, ended, started)
    _write_members(members_before, members_after, by)
    audit(
        "assignments.team",
        station,
        before={"teams": {str(area_id): before[area_id] for area_id in sorted(ended)}},
        after={
            "team_id": team.id if team else None,
            "areas": [area.id for area in roots],
            "teams": {str(area_id): team_id for area_id, team_id in sorted(started.items())},
        },
    )
    return len(roots)


def _write_teams(before: dict[int, int], ended: set[int], started: dict[int, int]) -> None:
    for area_id in ended:
        db.session.execute(
            delete(team_areas).where(team_areas.c.area_id == area_id, team_areas.c.team_id == before[area_id])
        )
    if started:
        db.session.execute(
            insert(team_areas), [{"team_id": team_id, "area_id": area_id} for area_id, team_id in started.items()]
        )
    db.session.expire_all()  # Team.assigned_areas is read afresh


def _write_members(before: dict, after: dict, by: User | None) -> None:
    ended, started = changes(before, after)
    gone = ended | set(started)
    if gone:
        db.session.execute(delete(MemberAssignment).where(MemberAssignment.area_id.in_(gone)))
    if started:
        db.session.execute(
            insert(MemberAssignment),
            [
                {"area_id": area_id, "user_id": user_id, "team_id": team_id, "assigned_by_id": by.id if by else None}
                for area_id, (user_id, team_id) in started.items()
            ],
        )


def assign_to_member(team: Team, areas: list[Area], member: User | None, by: User) -> int:
    """The areas (grids, buildings the team holds) are `member`'s from now on (None: nobody's in particular).
    Only a member of the team, and only inside the team's areas; returns how many were given."""
    if not areas:
        raise Refused(_l("Tick at least one grid or building."))
    if member is not None and member.team_id != team.id:
        raise Refused(_l("%(name)s is not in %(team)s.", name=member.display_name, team=team.name), field="user_id")
    held = {area.id: team.id for area in team.assigned_areas if area.archived_at is None}
    if any(holder_of(held, area) != team.id for area in areas):
        raise Refused(_l("%(team)s does not hold all of these areas.", team=team.name))
    before, known = {}, {}
    for assignment in db.session.scalars(select(MemberAssignment).where(MemberAssignment.team_id == team.id)):
        before[assignment.area_id] = (assignment.user_id, team.id)
        known[assignment.area_id] = assignment.area
    after = dict(before)
    roots = outermost(areas)
    for area in roots:
        known[area.id] = area
        give(after, known, area, (member.id, team.id) if member else None)
    ended, _started = changes(before, after)
    _write_members(before, after, by)
    audit(
        "assignments.member",
        team,
        before={"members": {str(area_id): before[area_id][0] for area_id in sorted(ended)}},
        after={"user_id": member.id if member else None, "areas": [area.id for area in roots]},
    )
    return len(roots)


def end_member_assignments(user: User, team_id: int | None) -> None:
    """The person leaves `team_id`: the grids and buildings they were given through it go back to the team."""
    if team_id is None:
        return
    where = (MemberAssignment.user_id == user.id, MemberAssignment.team_id == team_id)
    area_ids = db.session.scalars(select(MemberAssignment.area_id).where(*where)).all()
    if area_ids:
        db.session.execute(delete(MemberAssignment).where(*where))
        audit("assignments.member_left", user, before={"team_id": team_id, "areas": sorted(area_ids)})
