"""The roster of a building with each door's visit progress; adding and editing households (imports and exports:
import_routes.py)."""

import json

from flask import Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldapp.access import visible_area_or_404, visible_site_or_404
from fieldapp.audit import audit_download
from fieldapp.extensions import db
from fieldapp.forms import REFUSED, ConfirmForm, form_page, save
from fieldapp.keygroups.services import active_key_groups, marked_group_ids, marks_of_sites, set_site_key_groups
from fieldapp.models import Site
from fieldapp.navigation import safe_next
from fieldapp.permissions import may_edit_roster, may_handle_personal_data, may_see_phone, requires
from fieldapp.roster import bp
from fieldapp.roster.forms import SiteForm
from fieldapp.roster.services import (
    add_site,
    erase_personal_data,
    personal_data,
    reveal_phone,
    update_site,
)
from fieldapp.visits.queries import latest_visits

FILTERS = ("all", "unvisited", "revisit")


@bp.get("/buildings/<int:building_id>/roster")
@login_required
def show(building_id: int):
    """The building's households by unit and floor: status, last visit, who still needs a knock."""
    building = visible_area_or_404(building_id, "building")
    shown = request.args.get("show", "all")
    shown = shown if shown in FILTERS else "all"
    sites = db.session.scalars(
        select(Site).where(Site.building_id == building.id).options(selectinload(Site.tags))
    ).all()
    sites = sorted(sites, key=lambda s: (s.unit, -(s.floor or 0), len(s.room), s.room))
    visits = latest_visits(building)
    unvisited = [s for s in sites if s.needs_visit and s.id not in visits]
    revisit = [s for s in sites if s.needs_visit and s.id in visits and visits[s.id].outcome == "not_home"]
    listed = {"all": sites, "unvisited": unvisited, "revisit": revisit}[shown]
    return render_template(
        "roster/show.html",
        building=building,
        sites=listed,
        visits=visits,
        marks=marks_of_sites([site.id for site in listed]),
        shown=shown,
        counts={"all": len(sites), "unvisited": len(unvisited), "revisit": len(revisit)},
        can_edit=may_edit_roster(current_user),
    )


@bp.route("/buildings/<int:building_id>/roster/new", methods=["GET", "POST"])
@login_required
@requires(may_edit_roster)
def new_site(building_id: int):
    """Add a door the roster lacks, e.g. a family that just moved in."""
    building = visible_area_or_404(building_id, "building")
    form = SiteForm()
    if form.validate_on_submit() and (site := save(form, lambda: add_site(building, form.to_input()))) is not REFUSED:
        flash(_("Added %(door)s.", door=site.door_label), "success")
        return redirect(url_for("roster.show", building_id=building.id), code=303)
    return form_page("roster/site_form.html", form, building=building, site=None)


@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"])
@login_required
@requires(may_edit_roster)
def edit_site(site_id: int):
    """Correct a door's facts: unit, floor, room, residents, status, phone."""
    site = visible_site_or_404(site_id)
    form = SiteForm(obj=site if request.method == "GET" else None)
    form.offer_key_groups(active_key_groups(), marked_group_ids(site), tick=request.method == "GET")
    stored = site.contact_phone

    def write() -> bool:
        facts = update_site(site, form.to_input(stored_phone=stored))
        marks = set_site_key_groups(site, form.key_groups.data or [], current_user)
        return facts or marks

    if form.validate_on_submit() and (changed := save(form, write)) is not REFUSED:
        flash(_("Saved %(door)s.", door=site.door_label) if changed else _("Nothing changed."), "success")
        back = safe_next(request.args.get("next"), url_for("roster.show", building_id=site.building_id))
        return redirect(back, code=303)
    form.masked_phone(stored)
    return no_store(form_page("roster/site_form.html", form, building=site.building, site=site))


@bp.post("/sites/<int:site_id>/phone")
@login_required
@requires(may_see_phone)
def show_phone(site_id: int):
    """The full number, shown once on the edit page; the reading is audited."""
    site = visible_site_or_404(site_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    phone = reveal_phone(site)
    db.session.commit()
    form = SiteForm(formdata=None, obj=site)  # the door's facts, not this POST's (it carries no fields)
    form.offer_key_groups(active_key_groups(), marked_group_ids(site), tick=True)
    form.masked_phone(site.contact_phone)
    page = render_template("roster/site_form.html", form=form, building=site.building, site=site, revealed=phone)
    return no_store(page)


@bp.post("/sites/<int:site_id>/personal-data")
@login_required
@requires(may_handle_personal_data)
def export_personal(site_id: int):
    """The household's personal data as a JSON file (a person's copy of their data); audited."""
    site = visible_site_or_404(site_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    data = personal_data(site)
    audit_download("site.personal_export", site, after={"visits": len(data["visits"])})
    response = Response(
        json.dumps(data, ensure_ascii=False, indent=1),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="household-{site.id}.json"'},
    )
    return no_store(response)


@bp.post("/sites/<int:site_id>/erase")
@login_required
@requires(may_handle_personal_data)
def erase_personal(site_id: int):
    """Erase the household's phone and its visits' notes and GPS fixes; the figures stay as they are."""
    site = visible_site_or_404(site_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    erased = erase_personal_data(site)
    db.session.commit()
    flash(
        _(
            "Erased the householder's name, the phone number, %(notes)d notes and %(fixes)d GPS fixes of %(door)s.",
            notes=erased["notes"],
            fixes=erased["gps_fixes"],
            door=site.door_label,
        ),
        "success",
    )
    return redirect(url_for("roster.edit_site", site_id=site.id), code=303)


def no_store(page):
    """Pages and files with a full number or a household's personal data stay out of every cache."""
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response
