"""Team writes: create and rename a team, and a person joining, changing their part or leaving. Each is audited;
the caller commits.

A person is in one team at a time: `join_team` closes their open membership (it stays as history) before
opening the new one, and keeps `User.team_id` equal to the open membership's team, since a visit records
`team_id` from it. A team has one leader (the "1" of "1+2+N"): naming a second is refused.

Whether the caller may manage the team at all is asked of permissions.may_manage_teams, and the team and the
person are looked up inside the caller's area (404 outside) by the routes.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from fieldapp.assignments.services import end_member_assignments
from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.limits import TEAM_NAME_MAX
from fieldapp.models import TEAM_ROLES, Area, Team, TeamMembership, User
from fieldapp.refusals import WHOLE, Refused


def open_membership(user: User) -> TeamMembership | None:
    """The person's membership in the team they are in now, if any."""
    return db.session.scalar(
        select(TeamMembership).where(TeamMembership.user_id == user.id, TeamMembership.ended_at.is_(None))
    )


def team_leader(team: Team) -> User | None:
    """The team's leader now, if it has one."""
    return db.session.scalar(
        select(User)
        .join(TeamMembership, TeamMembership.user_id == User.id)
        .where(TeamMembership.team_id == team.id, TeamMembership.ended_at.is_(None), TeamMembership.role == "leader")
    )


def _clean_name(area: Area, name: str, team: Team | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise Refused(_l("Enter a name."), field="name")
    if len(name) > TEAM_NAME_MAX:
        raise Refused(_l("At most %(max)d characters.", max=TEAM_NAME_MAX), field="name")
    taken = select(Team.id).where(Team.area_id == area.id, func.lower(Team.name) == name.lower())
    if team is not None:
        taken = taken.where(Team.id != team.id)
    if db.session.scalar(taken):
        raise Refused(_l("%(area)s already has a team named %(name)s.", area=area.name, name=name), field="name")
    return name


def create_team(area: Area, name: str) -> Team:
    """A new team belonging to `area` (a station or a community), with no members yet."""
    team = Team(area=area, name=_clean_name(area, name))
    db.session.add(team)
    db.session.flush()
    audit("team.create", team, after={"name": team.name, "area_id": area.id})
    return team


def rename_team(team: Team, name: str) -> Team:
    before = team.name
    team.name = _clean_name(team.area, name, team)
    if team.name != before:
        db.session.flush()
        audit("team.rename", team, before={"name": before}, after={"name": team.name})
    return team


def _check_role(team: Team, user: User, role: str) -> None:
    if role not in TEAM_ROLES:
        raise ValueError(f"unknown team role {role!r}")
    if role == "leader":
        leader = team_leader(team)
        if leader is not None and leader.id != user.id:
            raise Refused(
                _l(
                    "%(team)s already has a leader, %(name)s: give them another part first.",
                    team=team.name,
                    name=leader.display_name,
                ),
                field="role",
            )


def _facts(user: User, membership: TeamMembership | None) -> dict:
    return {
        "username": user.username,
        "team_id": membership.team_id if membership else None,
        "team_role": membership.role if membership else None,
    }


def join_team(user: User, team: Team, role: str = "volunteer") -> TeamMembership:
    """`user` is in `team` from now on, in `role`; their time in any other team ends (kept as history).
    Someone already in `team` only changes their part."""
    current = open_membership(user)
    if current is not None and current.team_id == team.id:
        return change_role(user, role)
    if not (team.area.contains(user.area) or user.area.contains(team.area)):
        raise Refused(
            _l(
                "%(name)s works in %(place)s, outside %(team)s's area.",
                name=user.display_name,
                place=user.area.name,
                team=team.name,
            ),
            field="user_id",
        )
    _check_role(team, user, role)
    now = utcnow()
    if current is not None:
        _end(current, now)
        db.session.flush()  # closed before the new row opens: one open membership per person (a unique index)
    membership = TeamMembership(team=team, user=user, role=role, started_at=now)
    db.session.add(membership)
    user.team = team
    db.session.flush()
    audit("team.join", user, before=_facts(user, current), after=_facts(user, membership))
    return membership


def change_role(user: User, role: str) -> TeamMembership:
    """The person's part in their team becomes `role`."""
    membership = open_membership(user)
    if membership is None:
        raise Refused(_l("%(name)s is in no team.", name=user.display_name), field=WHOLE)
    if membership.role == role:
        return membership
    _check_role(membership.team, user, role)
    before = _facts(user, membership)
    membership.role = role
    db.session.flush()
    audit("team.change_role", user, before=before, after=_facts(user, membership))
    return membership


def _end(membership: TeamMembership, now) -> None:
    """The person's time in the team ends, and with it the grids and buildings they were given through it."""
    membership.ended_at = now
    end_member_assignments(membership.user, membership.team_id)


def leave_team(user: User) -> None:
    """The person is in no team from now on; their time in the last one stays as history."""
    membership = open_membership(user)
    if membership is None:
        user.team = None
        return
    before = _facts(user, membership)
    _end(membership, utcnow())
    user.team = None
    db.session.flush()
    audit("team.leave", user, before=before, after=_facts(user, None))


def history(user: User) -> list[TeamMembership]:
    """Every team the person has been in, the latest first."""
    return list(
        db.session.scalars(
            select(TeamMembership)
            .where(TeamMembership.user_id == user.id)
            .order_by(TeamMembership.started_at.desc(), TeamMembership.id.desc())
        )
    )
