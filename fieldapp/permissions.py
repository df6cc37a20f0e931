"""Who may do what: the one rulebook. Routes, services and templates ask these predicates; no role
list is written anywhere else. (What a user may *see* is their area: `access.py` looks things up
within it.)

Roles (models.ROLES): volunteer 志愿者/民警/网格员, lead 楼栋长, supervisor 派出所/社区负责人,
admin 区反诈中心. Every predicate takes the user first; those about one visit take it second.
"""

from datetime import datetime
from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import Team, TeamMembership, User, Visit
from fieldapp.visits.rules import UNDO_WINDOW

#: Keep a building's roster: add and edit doors, import rosters, print and bind door tags, correct visits.
_ROSTER_KEEPERS = frozenset({"lead", "supervisor", "admin"})
#: Answer for an area's figures: review the daily log, read, publish and export reports.
_SUPERVISORS = frozenset({"supervisor", "admin"})
#: Record visits as their work, team or no team (others who do are in a team).
_DOOR_KNOCKERS = frozenset({"volunteer"})
#: Start the day on the walk list rather than on their area's figures.
_FIELD_ROLES = frozenset({"volunteer", "lead"})


def may_edit_roster(user: User) -> bool:
    """Add, edit and mark doors moved out; import roster files; make and print door tags."""
    return user.role in _ROSTER_KEEPERS


def may_edit_door(user: User, site) -> bool:
    """Edit a door's facts or mark it moved out (and take that back) from its page: roster keepers of its area."""
    return may_edit_roster(user) and user.can_see(site.building)


def may_replace_door_tag(user: User) -> bool:
    """Bind a blank tag to a door that already has a working tag, retiring that tag (a volunteer
    could otherwise switch off another door's tag by picking the wrong room)."""
    return user.role in _ROSTER_KEEPERS


def may_see_phone(user: User) -> bool:
    """Reveal a household's full phone number, one at a time and audited (everyone else sees 138****1234)."""
    return user.role in _ROSTER_KEEPERS


def may_handle_personal_data(user: User) -> bool:
    """Export or erase a household's personal fields (phone, visit notes, GPS fixes) at its request; audited."""
    return user.role in _SUPERVISORS


def may_edit_areas(user: User) -> bool:
    """Add stations, communities, grids and buildings below one's own area, and rename those below it."""
    return user.role in _SUPERVISORS


def may_review(user: User) -> bool:
    """Read the daily log and give verdicts on visits (approve, has issues, reject)."""
    return user.role in _SUPERVISORS


def may_read_audit(user: User) -> bool:
    """Read the audit trail of one's area (who changed, downloaded or revealed what); admins also read the events
    that belong to no area."""
    return user.role in _SUPERVISORS


def may_read_unplaced_audit(user: User) -> bool:
    """Read the audit events that belong to no area (written before events carried one): admins, on their own area."""
    return user.role == "admin"


def may_read_reports(user: User) -> bool:
    """Read the weekly report and download it, and export every visit of an area."""
    return user.role in _SUPERVISORS


def may_publish(user: User) -> bool:
    """Freeze a week's report as published."""
    return user.role in _SUPERVISORS


def may_import_outbox(user: User) -> bool:
    """Record the visits of a volunteer's saved outbox file (the last resort when a phone cannot send)."""
    return user.role in _SUPERVISORS


def may_manage_accounts(user: User) -> bool:
    """List and create accounts inside one's area."""
    return user.role == "admin"


#: Rank for looking after accounts: a supervisor looks after the accounts below their own rank.
_RANK = {"volunteer": 0, "lead": 1, "supervisor": 2, "admin": 3}


def may_look_after_accounts(user: User) -> bool:
    """Open the account list of one's area and edit, deactivate or reset the accounts `may_manage_account` allows."""
    return user.role in _SUPERVISORS


def may_manage_account(manager: User, account: User) -> bool:
    """Edit, deactivate or reactivate `account`: an admin, anyone inside their area; a supervisor, the volunteers
    and leads inside theirs. Never oneself (one's own password is changed on the password page; an admin's
    role or area is changed by another admin, so nobody locks themselves out)."""
    if account.id == manager.id or not may_look_after_accounts(manager) or not manager.can_see(account.area):
        return False
    return manager.role == "admin" or _RANK[account.role] < _RANK["supervisor"]


def may_reset_password_of(manager: User, account: User) -> bool:
    """Give `account` a one-time code: whoever manages it, except for another admin's account (the code would
    let one admin log in as another, as a key would)."""
    return may_manage_account(manager, account) and account.role != "admin"


def roles_assignable_by(manager: User) -> tuple[str, ...]:
    """The roles `manager` may give an account: an admin any, a supervisor those below supervisor."""
    if manager.role == "admin":
        return tuple(_RANK)
    if not may_look_after_accounts(manager):
        return ()
    return tuple(role for role, rank in _RANK.items() if rank < _RANK["supervisor"])


def may_manage_campaigns(user: User) -> bool:
    """Create campaigns (专项行动) and change their dates and deadlines; everyone else reads them."""
    return user.role == "admin"


def may_set_targets(user: User) -> bool:
    """Set the targets (任务数) of an area inside one's own for the current campaign, and hand them down."""
    return user.role in _SUPERVISORS


def may_manage_teams(user: User) -> bool:
    """Create and rename the teams of one's area, and put people of one's area in them with their parts."""
    return user.role in _SUPERVISORS


def may_see_team(user: User, team: Team) -> bool:
    """Open a team's page: those who manage the teams of its area, and its own members (read-only)."""
    return team.id == user.team_id or (may_manage_teams(user) and user.can_see(team.area))


def may_assign_areas(user: User) -> bool:
    """包片: give the grids and buildings of a station in one's area to its teams, or take them back."""
    return user.role in _SUPERVISORS


def may_split_team_areas(user: User, team: Team) -> bool:
    """包户到人: give the grids and buildings a team holds to its members: its leader, and its area's supervisors."""
    if may_assign_areas(user) and user.can_see(team.area):
        return True
    leads = select(TeamMembership.id).where(
        TeamMembership.team_id == team.id,
        TeamMembership.user_id == user.id,
        TeamMembership.role == "leader",
        TeamMembership.ended_at.is_(None),
    )
    return user.team_id == team.id and db.session.scalar(leads) is not None


def may_manage_mini_programs(user: User) -> bool:
    """Keep the district's list of mini-programs counted at doors: add, rename, retire and reactivate."""
    return user.role == "admin"


def may_issue_keys(user: User) -> bool:
    """Issue and revoke API keys for accounts inside one's area."""
    return user.role == "admin"


def may_issue_key_for(issuer: User, holder: User) -> bool:
    """Issue an API key that acts as `holder`: an admin, for anyone of their area but another admin (a key
    would let one admin act as another; an admin's own key is theirs to ask for)."""
    return may_issue_keys(issuer) and (holder.role != "admin" or holder.id == issuer.id)


def may_print_login_card_for(issuer: User, holder: User) -> bool:
    """Print `holder` a login card, which gives them a new one-time code (their password until they change it):
    an admin, for anyone of their area but themselves and other admins, unless that admin has not yet left
    their first one-time code (a freshly imported admin gets a reprint; a working admin is never locked out by
    a colleague's print)."""
    if not may_manage_accounts(issuer) or holder.id == issuer.id:
        return False
    return not may_manage_accounts(holder) or bool(holder.password_is_temporary)


def starts_on_walk_list(user: User) -> bool:
    """Home is today's walk list (people at doors), not the area's figures (people at desks)."""
    return user.role in _FIELD_ROLES


def records_visits(user: User) -> bool:
    """Knocks on doors as their work: volunteers (志愿者/民警/网格员) and anyone in a team. The people a
    volunteer filter or a team's member picker lists (with, in a filter, anyone who has visits to find)."""
    return user.role in _DOOR_KNOCKERS or user.team_id is not None


def may_undo_visit(user: User, visit: Visit, now: datetime | None = None) -> bool:
    """A volunteer takes back their own visit, still counted, within UNDO_WINDOW (a mis-tap at the wrong door)."""
    now = now or utcnow()
    return visit.user_id == user.id and visit.counts_in_tallies and now - visit.server_time <= UNDO_WINDOW


def may_correct_visit(user: User, visit: Visit) -> bool:
    """Leads and supervisors correct a counted visit in their area, with a reason."""
    return user.role in _ROSTER_KEEPERS and visit.counts_in_tallies and user.can_see(visit.building)


def may_review_visit(user: User, visit: Visit) -> bool:
    """A supervisor's verdict on a visit in their area that was not taken back."""
    return may_review(user) and visit.undone_at is None and user.can_see(visit.building)


def may_record_events(user: User) -> bool:
    """Record a 宣讲 (lecture, stall, school or enterprise talk...) in one's area: supervisors and admins, who
    organise them, and team leaders (民警/辅警 leading a "1+2+N" team), who hold them with their team."""
    if user.role in _SUPERVISORS:
        return True
    if user.team_id is None:
        return False
    leads = select(TeamMembership.id).where(
        TeamMembership.team_id == user.team_id,
        TeamMembership.user_id == user.id,
        TeamMembership.role == "leader",
        TeamMembership.ended_at.is_(None),
    )
    return db.session.scalar(leads) is not None


def may_withdraw_event(user: User, event) -> bool:
    """Take back an event recorded by mistake (audited): whoever recorded it, or a supervisor of its area."""
    if event.withdrawn_at is not None or not user.can_see(event.area):
        return False
    return event.recorded_by_id == user.id or user.role in _SUPERVISORS


def may_manage_warnings(user: User) -> bool:
    """Enter and import 预警 (fraud warnings), route them to an area and a person, and list every one of the area."""
    return user.role in _SUPERVISORS


def may_follow_up_warning(user: User, warning) -> bool:
    """Record a warning's call or face-to-face step: the person it is assigned to, or who manages its area's."""
    return warning.assigned_to_id == user.id or (may_manage_warnings(user) and user.can_see(warning.area))


def may_correct_warning(user: User, warning) -> bool:
    """Withdraw a warning (retracted by the platform, entered twice) or correct its phone, address and category:
    a supervisor or admin of its area, while it is not withdrawn."""
    return warning.withdrawn_at is None and may_manage_warnings(user) and user.can_see(warning.area)


def may_back_check(user: User) -> bool:
    """倒查: search households of one's area after a fraud case, read their whole record, download the case file and
    record the conclusion."""
    return user.role in _SUPERVISORS


def may_manage_key_groups(user: User) -> bool:
    """Keep the district's key groups (重点人群): add, rename, set their revisit interval, archive."""
    return user.role == "admin"


def may_draw_spot_checks(user: User) -> bool:
    """督察回访: draw a station's weekly sample of households to verify, read its rounds and reassign its checks."""
    return user.role in _SUPERVISORS


def may_answer_spot_check(user: User, check) -> bool:
    """Record what a household said: the person the check is assigned to, never the volunteer it checks."""
    return check.assigned_to_id == user.id and check.volunteer_id != user.id


def requires(predicate):
    """Refuse (403) a logged-in user for whom `predicate(user)` is false. Put under @login_required."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


#: The predicates templates may call, e.g. `{% if may_review(current_user) %}`.
TEMPLATE_PREDICATES = {
    name: value for name, value in dict(globals()).items() if name.startswith("may_") or name == "starts_on_walk_list"
}
