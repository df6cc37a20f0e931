"""The 包片包户 pages: a station's assignment page, where a supervisor gives grids and buildings to teams in a
few taps, and a team's split page, where its leader gives them to named members.

Supervisors and admins of the area give a station's areas (permissions.may_assign_areas; another station answers
404); a team's leader, or a supervisor of its area, splits the team's (permissions.may_split_team_areas).
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldapp.access import found_or_404, teams_within, visible_area_or_404
from fieldapp.assignments import bp
from fieldapp.assignments.forms import MemberAssignForm, TeamAssignForm, posted_id, posted_ids
from fieldapp.assignments.queries import station_tree, team_members, team_rows
from fieldapp.assignments.services import assign_to_member, assign_to_team
from fieldapp.extensions import db
from fieldapp.forms import REFUSED, save
from fieldapp.models import Area, Team
from fieldapp.permissions import may_assign_areas, may_split_team_areas, requires


def station_teams(station: Area) -> list[Team]:
    """The teams that may hold parts of the station: those belonging to it or to an area inside it."""
    return db.session.scalars(teams_within(station)).all()


@bp.route("/areas/<int:area_id>/assignments", methods=["GET", "POST"])
@login_required
@requires(may_assign_areas)
def station(area_id: int):
    """包片: the station's communities, grids and buildings with the team and person holding each; tick, pick a
    team, give."""
    station = visible_area_or_404(area_id, "station")
    teams = station_teams(station)
    form = TeamAssignForm()
    form.team_id.choices = [(team.id, team.name) for team in teams]
    unassigned_only = request.args.get("unassigned") == "1"
    if form.validate_on_submit():
        ids = posted_ids("area")
        team = next((team for team in teams if team.id == form.team_id.data), None)
        if ids is None or (form.assign.data and team is None):
            form.form_errors.append(_("Choose a team and tick grids or buildings of this station."))
        else:
            areas = list(db.session.scalars(select(Area).where(Area.id.in_(ids), Area.archived_at.is_(None))))
            if len(areas) != len(set(ids)):
                areas.append(station.parent or station)  # refused below: not a part of this station
            given = save(form, lambda: assign_to_team(station, areas, team if form.assign.data else None, current_user))
            if given is not REFUSED:
                if form.assign.data:
                    flash(
                        ngettext(
                            "%(num)d area given to %(team)s.", "%(num)d areas given to %(team)s.", given, team=team.name
                        ),
                        "success",
                    )
                else:
                    flash(
                        ngettext("%(num)d area taken from its team.", "%(num)d areas taken from their team.", given),
                        "success",
                    )
                return redirect(
                    url_for("assignments.station", area_id=station.id, unassigned=1 if unassigned_only else None),
                    code=303,
                )
    blocks = station_tree(station, {team.id: team for team in teams}, unassigned_only)
    return render_template(
        "assignments/station.html",
        station=station,
        form=form,
        blocks=blocks,
        teams=teams,
        unassigned_only=unassigned_only,
        building_count=sum(len(block.buildings) for block in blocks),
    ), (422 if form.is_submitted() else 200)


def splittable_team_or_404(team_id: int) -> Team:
    team = found_or_404(Team, team_id)
    if not may_split_team_areas(current_user, team):
        abort(403 if current_user.team_id == team.id or current_user.can_see(team.area) else 404)
    return team


@bp.route("/teams/<int:team_id>/split", methods=["GET", "POST"])
@login_required
def split(team_id: int):
    """包户到人: the grids and buildings the team holds, each with the member who has it; give them out."""
    team = splittable_team_or_404(team_id)
    members = team_members(team)
    form = MemberAssignForm()
    form.user_id.choices = [(0, _("Nobody yet")), *[(member.id, member.display_name) for member in members]]
    rows = team_rows(team)
    if form.validate_on_submit():
        done = give_posted(team, form, {member.id: member for member in members}, {area.id: area for area, *_ in rows})
        if done is not None:
            flash(
                ngettext("%(num)d grid or building given out.", "%(num)d grids or buildings given out.", done),
                "success",
            )
            return redirect(url_for("assignments.split", team_id=team.id), code=303)
        rows = team_rows(team)
    return render_template("assignments/split.html", team=team, form=form, rows=rows, members=members), (
        422 if form.is_submitted() else 200
    )


def give_posted(team: Team, form: MemberAssignForm, members: dict, areas: dict) -> int | None:
    """Apply the posted choices (the ticked ones to one member, or each row's); None when refused."""
    if form.give.data:
        ids = posted_ids("area")
        steps = [(form.user_id.data, ids)] if ids is not None else None
    else:
        steps = posted_rows(team)
    if (
        steps is None
        or any(m and m not in members for m, _ids in steps)
        or any(i not in areas for _m, ids in steps for i in ids)
    ):
        form.form_errors.append(_("Choose members of %(team)s and grids or buildings it holds.", team=team.name))
        return None
    total = 0

    def write():
        nonlocal total
        for member_id, ids in steps:
            total += assign_to_member(team, [areas[i] for i in ids], members.get(member_id), current_user)

    return total if save(form, write) is not REFUSED else None


def posted_rows(team: Team) -> list[tuple[int, list[int]]] | None:
    """The rows whose member picker changed, one step each in tree order (a grid before its buildings, so a
    building given apart from its grid stays apart); None when a value is not an id."""
    direct = {area.id: (member.id if member else 0) for area, member, _through in team_rows(team)}
    order = {area_id: number for number, area_id in enumerate(direct)}
    steps = []
    for key in request.form:
        if key.startswith("m-"):
            area_id, member_id = posted_id(key[2:]), posted_id(request.form[key])
            if area_id is None or member_id is None:
                return None
            if direct.get(area_id) != member_id:
                steps.append((member_id, [area_id]))
    return sorted(steps, key=lambda step: order.get(step[1][0], -1))
