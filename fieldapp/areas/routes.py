"""Area pages: a volunteer's walk list for today, an area's figures and parts, a building's doors."""

from datetime import timedelta
from itertools import groupby

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from fieldapp.access import visible_area_or_404
from fieldapp.areas import bp, people
from fieldapp.areas.forms import MoveAreaForm, NewAreaForm, RenameAreaForm
from fieldapp.areas.moves import archive_area, archived_below, check_move, move_area, move_choices, restore_area
from fieldapp.areas.services import create_area, rename_area
from fieldapp.areas.unvisited import WALK_ORDER, unvisited_sites
from fieldapp.areas.walk import walk_lists
from fieldapp.assignments.queries import unassigned_count
from fieldapp.extensions import db
from fieldapp.forms import REFUSED, ConfirmForm, form_page, save, save_or_flash
from fieldapp.keygroups.coverage import area_outreach
from fieldapp.keygroups.revisits import due_revisits
from fieldapp.models import Area, Site, Visit, archived_along
from fieldapp.periods import all_campaigns, current_campaign, deadlines, period_days, picked_campaign
from fieldapp.permissions import may_assign_areas, may_draw_spot_checks, may_edit_areas, requires
from fieldapp.review.services import mark_reviews_seen, reviews_to_see
from fieldapp.sites.walk import door_url
from fieldapp.spotchecks.queries import addresses, my_open_checks, station_section
from fieldapp.tallies import child_totals_for, daily_series, people_totals
from fieldapp.targets import measure_labels
from fieldapp.visits.clock import local_today
from fieldapp.visits.queries import last_outcomes
from fieldapp.warnings.deadlines import warning_figures
from fieldapp.warnings.queries import today_items

#: The daily chart shows this many days up to the end of the period.
CHART_DAYS = 30
#: Unvisited households are listed this many at a time.
UNVISITED_PAGE_SIZE = 200


@bp.get("/today")
@login_required
def today():
    """My buildings for today: those assigned to my team (or my area), the most doors left first."""
    mine, walk = walk_lists(current_user)
    my_visits_today = db.session.scalar(
        select(func.count(Visit.id)).where(
            Visit.user_id == current_user.id, Visit.day == local_today(), Visit.undone_at.is_(None)
        )
    )
    parent_ids = {building.parent_id for building, _totals in [*mine, *walk]}
    parents = {area.id: area for area in db.session.scalars(select(Area).where(Area.id.in_(parent_ids)))}
    campaign = current_campaign()
    reviews = [(visit, door_url(visit.site)) for visit in reviews_to_see(current_user)]
    # 重点人群 due for a revisit: in the buildings of my walk list, or (none assigned) anywhere in my area.
    walk_ids = [building.id for building, _totals in [*mine, *walk]]
    due = due_revisits(building_ids=walk_ids or None, area=current_user.area, today=local_today())
    spot_checks = my_open_checks(current_user)
    return render_template(
        "areas/today.html",
        my_warnings=today_items(current_user),
        spot_checks=spot_checks,
        spot_check_addresses=addresses(spot_checks),
        revisits=[(entry, door_url(entry.site)) for entry in due],
        reviews=reviews,
        seen_form=ConfirmForm(),
        mine=mine,
        walk=walk,
        parents=parents,
        my_visits_today=my_visits_today,
        team=current_user.team,
        campaign=campaign,
        deadlines=deadlines(campaign),
    )


@bp.post("/today/reviews/seen")
@login_required
def reviews_seen():
    """ "知道了": the reviews of my visits listed on Today (their ids in the form) are marked seen."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    visit_ids = request.form.getlist("visit_id", type=int)
    save_or_flash(lambda: mark_reviews_seen(current_user, visit_ids), _("Marked as seen."))
    return redirect(url_for("areas.today"), code=303)


@bp.get("/areas/<int:area_id>")
@login_required
def show(area_id: int):
    """Coverage, installs and the other figures of an area, with each of its parts (or its doors)."""
    area = visible_area_or_404(area_id)
    campaign = picked_campaign(request.args.get("campaign", type=int))
    period, first_day, last_day = period_days(request.args.get("period", "all"), request.args, campaign)

    children = [child for child in area.children if not child.is_archived]
    totals = child_totals_for([area, *children], first_day=first_day, last_day=last_day, campaign=campaign)
    # Breadcrumbs stop at the user's own area: above it is not theirs to see.
    ancestors = [db.session.get(Area, ancestor_id) for ancestor_id in area.ancestor_ids[:-1]]
    ancestors = [ancestor for ancestor in ancestors if current_user.can_see(ancestor)]
    chart_end = last_day or local_today()
    measures = measure_labels()
    return render_template(
        "areas/show.html",
        area=area,
        archived=archived_along(area),
        ancestors=ancestors,
        totals=totals[area.id],
        children=[(child, totals[child.id]) for child in children],
        units=door_list(area) if area.level == "building" else [],
        people=people_totals(area, first_day, last_day, limit=people.SHOWN) if area.level in people.LEVELS else None,
        list_args=people.period_args(),
        unassigned=unassigned_count(area) if area.level == "station" and may_assign_areas(current_user) else None,
        series=daily_series(area, chart_end - timedelta(days=CHART_DAYS - 1), chart_end),
        period=period,
        first_day=first_day,
        last_day=last_day,
        campaign=campaign,
        current_campaign=current_campaign(),
        campaign_arg=campaign.id if campaign is not None and "campaign" in request.args else None,
        campaigns=all_campaigns(),
        measures=measures,
        target_measures=[m for m in measures if any(m in t.targets for t in totals.values())],
        warnings=warning_figures(area, children, first_day, last_day),
        trust_week=people.trust_week(area, last_day, limit=people.SHOWN),
        spot_checks=station_section(area) if area.level == "station" and may_draw_spot_checks(current_user) else None,
        **area_outreach(area, campaign),
    )


@bp.get("/areas/<int:area_id>/unvisited")
@login_required
def unvisited(area_id: int):
    """Resident households of an area nobody has talked to yet, building by building."""
    area = visible_area_or_404(area_id)
    page = max(1, request.args.get("page", 1, type=int))
    # How many doors each building has left, in walking order: the total, and the few buildings this page's doors
    # are in (sorting a district's 200,000 doors to page through them took PostgreSQL 90 ms and more).
    # Grouped by the building's id alone (its path follows from it): SQLite then counts building by building in the
    # table's order and sorts the ~10,000 counts, not every door by path (district at 1M: 46 → 28 ms).
    per_building = db.session.execute(
        unvisited_sites(area, Area.id, func.count()).group_by(Area.id).order_by(Area.path)
    ).all()
    total = sum(left for _building, left in per_building)
    first = (page - 1) * UNVISITED_PAGE_SIZE
    buildings, before, reached = [], 0, 0  # before: the doors ahead of the first building of the page
    for building_id, left in per_building:
        reached += left
        if reached <= first:  # every door of it on an earlier page
            before = reached
            continue
        buildings.append(building_id)
        if reached >= first + UNVISITED_PAGE_SIZE:
            break
    # The page's doors first, from the index of uncovered doors alone (ix_sites_uncovered), then only they in full.
    ids = db.session.scalars(
        unvisited_sites(area, Site.id)
        .where(Site.building_id.in_(buildings))
        .order_by(*WALK_ORDER)
        .limit(UNVISITED_PAGE_SIZE)
        .offset(first - before)
    ).all()
    loaded = db.session.scalars(
        select(Site).where(Site.id.in_(ids)).options(selectinload(Site.tags), selectinload(Site.building))
    )
    by_id = {site.id: site for site in loaded}
    sites = [by_id[site_id] for site_id in ids]
    return render_template(
        "areas/unvisited.html",
        area=area,
        sites=sites,
        total=total,
        page=page,
        pages=max(1, -(-total // UNVISITED_PAGE_SIZE)),
        page_url=lambda number: url_for("areas.unvisited", area_id=area.id, page=number),
    )


def door_list(building: Area) -> list:
    """[(unit, [(floor, [(site, last outcome)])])], top floor first, as the building stands."""
    sites = db.session.scalars(
        select(Site).where(Site.building_id == building.id).options(selectinload(Site.tags))
    ).all()
    last_outcome = last_outcomes([building.id])
    sites = sorted(sites, key=lambda s: (s.unit, -(s.floor or 0), len(s.room), s.room))
    return [
        (
            unit,
            [
                (floor, [(site, last_outcome.get(site.id)) for site in on_floor])
                for floor, on_floor in groupby(in_unit, key=lambda s: s.floor)
            ],
        )
        for unit, in_unit in ((unit, list(group)) for unit, group in groupby(sites, key=lambda s: s.unit))
    ]


@bp.route("/areas/<int:area_id>/new", methods=["GET", "POST"])
@login_required
@requires(may_edit_areas)
def new_part(area_id: int):
    """Add a station, community, grid or building under this area (e.g. a grid the roster import cannot name)."""
    parent = visible_area_or_404(area_id, "district", "station", "community", "grid")  # doors go on the roster
    form = NewAreaForm()
    form.offer_levels_below(parent.level)
    write = lambda: create_area(parent, form.level.data, form.name.data, form.lat.data, form.lon.data)  # noqa: E731
    if form.validate_on_submit() and (area := save(form, write)) is not REFUSED:
        flash(_("%(name)s added.", name=area.name), "success")
        return redirect(url_for("areas.show", area_id=area.id), code=303)
    return form_page("areas/new.html", form, parent=parent)


@bp.route("/areas/<int:area_id>/rename", methods=["GET", "POST"])
@login_required
@requires(may_edit_areas)
def rename(area_id: int):
    """Rename an area below mine (my own is renamed by the level above)."""
    area = visible_area_or_404(area_id)
    if area.id == current_user.area_id:
        abort(403)
    form = RenameAreaForm(obj=area if request.method == "GET" else None)
    if form.validate_on_submit() and save(form, lambda: rename_area(area, form.name.data)) is not REFUSED:
        flash(_("Renamed to %(name)s.", name=area.name), "success")
        return redirect(url_for("areas.show", area_id=area.id), code=303)
    return form_page("areas/rename.html", form, area=area)


def part_to_edit(area_id: int) -> Area:
    """An area below mine (mine is moved or archived by the level above)."""
    area = visible_area_or_404(area_id)
    if area.id == current_user.area_id:
        abort(403)
    return area


@bp.route("/areas/<int:area_id>/move", methods=["GET", "POST"])
@login_required
@requires(may_edit_areas)
def move(area_id: int):
    """Put a community, grid or building (with all below it) under another part of my area, after a confirm."""
    area = part_to_edit(area_id)
    form = MoveAreaForm()
    form.offer(move_choices(area, current_user.area), current_user.area)
    if form.validate_on_submit():
        new_parent = visible_area_or_404(form.parent.data)
        if form.confirmed.data != "yes":
            if save(form, lambda: check_move(area, new_parent, current_user.area)) is not REFUSED:
                return render_template("areas/move_confirm.html", form=form, area=area, new_parent=new_parent)
        elif save(form, lambda: move_area(area, new_parent, current_user.area)) is not REFUSED:
            flash(_("%(name)s now lies in %(parent)s.", name=area.name, parent=new_parent.name), "success")
            return redirect(url_for("areas.show", area_id=area.id), code=303)
    return form_page("areas/move.html", form, area=area)


@bp.route("/areas/<int:area_id>/archive", methods=["GET", "POST"])
@login_required
@requires(may_edit_areas)
def archive(area_id: int):
    """Archive a demolished building or a merged grid, after a confirm that says what it changes."""
    area = part_to_edit(area_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        save_or_flash(lambda: archive_area(area, current_user.area), _("%(name)s archived.", name=area.name))
        return redirect(url_for("areas.show", area_id=area.id), code=303)
    return render_template("areas/archive_confirm.html", form=form, area=area)


@bp.post("/areas/<int:area_id>/restore")
@login_required
@requires(may_edit_areas)
def restore(area_id: int):
    """Bring an archived area back into the lists and the figures above it."""
    area = part_to_edit(area_id)
    if ConfirmForm().validate_on_submit():
        save_or_flash(lambda: restore_area(area, current_user.area), _("%(name)s restored.", name=area.name))
    return redirect(url_for("areas.show", area_id=area.id), code=303)


@bp.get("/areas/<int:area_id>/archived")
@login_required
@requires(may_edit_areas)
def archived(area_id: int):
    """The archived areas below this one, each with a button to restore it."""
    area = visible_area_or_404(area_id)
    return render_template("areas/archived.html", area=area, areas=archived_below(area), form=ConfirmForm())
