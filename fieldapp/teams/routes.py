"""Team pages: the teams of my area, a new team, and a team's page with its members, their parts and history.

Supervisors and admins manage the teams inside their area (permissions.may_manage_teams; a team outside it
answers 404); a member opens their own team's page, read-only.
"""

from itertools import groupby

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldapp.access import areas_within, found_or_404, teams_within, users_within, visible_user_or_404
from fieldapp.admin.forms import LEVEL_INDENT
from fieldapp.extensions import db
from fieldapp.forms import REFUSED, ConfirmForm, form_page, save, save_or_flash
from fieldapp.models import TEAM_ROLES, Area, Team, TeamMembership, User
from fieldapp.permissions import may_manage_teams, may_see_team, requires
from fieldapp.teams import bp
from fieldapp.teams.forms import AddMemberForm, MemberRoleForm, RenameTeamForm, TeamForm
from fieldapp.teams.services import change_role, create_team, join_team, leave_team, rename_team

#: The levels a team may belong to: a station (派出所) or a community/village below it.
TEAM_LEVELS = ("station", "community")


def managed_team_or_404(team_id: int) -> Team:
    """A team inside my area; 404 outside it (another station's teams are not mine to learn of)."""
    team = found_or_404(Team, team_id)
    if not current_user.can_see(team.area):
        abort(404)
    return team


def offer_team_areas(form: TeamForm) -> list[Area]:
    areas = [area for area in db.session.scalars(areas_within(current_user.area)) if area.level in TEAM_LEVELS]
    depth = len(current_user.area.ancestor_ids)
    form.area_id.choices = [(a.id, LEVEL_INDENT * max(len(a.ancestor_ids) - depth - 1, 0) + a.name) for a in areas]
    return areas


@bp.route("/teams", methods=["GET", "POST"])
@login_required
@requires(may_manage_teams)
def index():
    """The teams of my area with their leader and size, and a form for a new team."""
    form = TeamForm()
    areas = offer_team_areas(form)
    if form.validate_on_submit():
        area = next(area for area in areas if area.id == form.area_id.data)
        team = save(form, lambda: create_team(area, form.name.data))
        if team is not REFUSED:
            flash(_("Team %(name)s created: now add its members.", name=team.name), "success")
            return redirect(url_for("teams.show", team_id=team.id), code=303)
    teams = db.session.scalars(teams_within(current_user.area)).all()
    open_rows = db.session.scalars(
        select(TeamMembership).where(
            TeamMembership.team_id.in_([team.id for team in teams]), TeamMembership.ended_at.is_(None)
        )
    ).all()
    counts = {team.id: {role: 0 for role in TEAM_ROLES} for team in teams}
    leaders = {}
    for row in open_rows:
        counts[row.team_id][row.role] += 1
        if row.role == TEAM_ROLES[0]:
            leaders[row.team_id] = row.user
    return form_page("teams/index.html", form, teams=teams, counts=counts, leaders=leaders)


def candidates(team: Team) -> list[User]:
    """Active people of my area who may join `team` (their area and the team's lie on one line), not in it yet."""
    people = db.session.scalars(
        users_within(current_user.area).where(User.is_active_account).order_by(User.display_name)
    ).all()
    return [
        person
        for person in people
        if person.team_id != team.id and (team.area.contains(person.area) or person.area.contains(team.area))
    ]


@bp.get("/teams/<int:team_id>")
@login_required
def show(team_id: int):
    """A team's leader, grid workers and volunteers with their parts, and where each has been before."""
    team = found_or_404(Team, team_id)
    if not may_see_team(current_user, team):
        abort(404 if not current_user.can_see(team.area) else 403)
    manage = may_manage_teams(current_user) and current_user.can_see(team.area)
    return team_page(team, manage, AddMemberForm(), RenameTeamForm(name=team.name))


def team_page(team: Team, manage: bool, add_form: AddMemberForm, rename_form: RenameTeamForm, status: int = 200):
    rows = db.session.scalars(
        select(TeamMembership).where(TeamMembership.team_id == team.id).order_by(TeamMembership.started_at)
    ).all()
    current = sorted((row for row in rows if row.ended_at is None), key=lambda row: row.user.display_name)
    current.sort(key=lambda row: TEAM_ROLES.index(row.role))
    by_role = {role: list(group) for role, group in groupby(current, key=lambda row: row.role)}
    member_ids = {row.user_id for row in current}
    former = [row for row in reversed(rows) if row.ended_at is not None and row.user_id not in member_ids]
    histories = {}
    for row in db.session.scalars(
        select(TeamMembership)
        .where(TeamMembership.user_id.in_(member_ids))
        .order_by(TeamMembership.started_at.desc(), TeamMembership.id.desc())
    ):
        histories.setdefault(row.user_id, []).append(row)
    if manage:
        add_form.user_id.choices = [(p.id, f"{p.display_name} · {p.area.name}") for p in candidates(team)]
    return render_template(
        "teams/show.html",
        team=team,
        manage=manage,
        by_role=by_role,
        former=former,
        histories=histories,
        add_form=add_form,
        rename_form=rename_form,
        confirm=ConfirmForm(),
    ), status


@bp.post("/teams/<int:team_id>/rename")
@login_required
@requires(may_manage_teams)
def rename(team_id: int):
    team = managed_team_or_404(team_id)
    form = RenameTeamForm()
    if form.validate_on_submit() and save(form, lambda: rename_team(team, form.name.data)) is not REFUSED:
        flash(_("Team renamed %(name)s.", name=team.name), "success")
        return redirect(url_for("teams.show", team_id=team.id), code=303)
    db.session.refresh(team)
    return team_page(team, True, AddMemberForm(formdata=None), form, 422)


@bp.post("/teams/<int:team_id>/members")
@login_required
@requires(may_manage_teams)
def add_member(team_id: int):
    """Put a person of my area in the team with a part; they leave any other team (kept in their history)."""
    team = managed_team_or_404(team_id)
    form = AddMemberForm()
    people = {person.id: person for person in candidates(team)}
    form.user_id.choices = [(person_id, "") for person_id in people]
    if form.validate_on_submit():
        person = people[form.user_id.data]
        if save(form, lambda: join_team(person, team, form.role.data)) is not REFUSED:
            flash(_("%(name)s is in %(team)s.", name=person.display_name, team=team.name), "success")
            return redirect(url_for("teams.show", team_id=team.id), code=303)
    return team_page(team, True, form, RenameTeamForm(formdata=None, name=team.name), 422)


def member_or_404(team: Team, user_id: int) -> User:
    person = visible_user_or_404(user_id)
    if person.team_id != team.id:
        abort(404)
    return person


@bp.post("/teams/<int:team_id>/members/<int:user_id>/role")
@login_required
@requires(may_manage_teams)
def member_role(team_id: int, user_id: int):
    """Give a member another part."""
    team = managed_team_or_404(team_id)
    person = member_or_404(team, user_id)
    form = MemberRoleForm()
    if not form.validate_on_submit():
        abort(400)
    save_or_flash(lambda: change_role(person, form.role.data), _("%(name)s's part changed.", name=person.display_name))
    return redirect(url_for("teams.show", team_id=team.id), code=303)


@bp.post("/teams/<int:team_id>/members/<int:user_id>/remove")
@login_required
@requires(may_manage_teams)
def remove_member(team_id: int, user_id: int):
    """Take a member out of the team; their time in it stays in their history."""
    team = managed_team_or_404(team_id)
    person = member_or_404(team, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    save_or_flash(lambda: leave_team(person), _("%(name)s left %(team)s.", name=person.display_name, team=team.name))
    return redirect(url_for("teams.show", team_id=team.id), code=303)
