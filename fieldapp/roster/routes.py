"""The roster of a building with each door's visit progress; adding and editing households; imports."""

import io
import json

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldapp.access import visible_area_or_404, visible_site_or_404
from fieldapp.audit import audit_download
from fieldapp.extensions import db
from fieldapp.forms import REFUSED, ConfirmForm, form_page, save
from fieldapp.htmx import render
from fieldapp.inputs import upload_limit
from fieldapp.limits import ROSTER_UPLOAD_MAX
from fieldapp.models import Area, Site
from fieldapp.navigation import safe_next
from fieldapp.permissions import may_edit_roster, may_handle_personal_data, may_see_phone, requires
from fieldapp.refusals import show_on_form
from fieldapp.roster import bp, jobs
from fieldapp.roster.files import RosterFileError, template_csv, template_xlsx
from fieldapp.roster.forms import ImportForm, SiteForm
from fieldapp.roster.imports import plan_import
from fieldapp.roster.services import (
    add_site,
    erase_personal_data,
    personal_data,
    reveal_phone,
    update_site,
)
from fieldapp.visits.queries import latest_visits

FILTERS = ("all", "unvisited", "revisit")
#: Rows of a preview listed one by one; beyond that only counted.
PREVIEW_ROWS = 200
#: Larger roster files are imported in the background while the page shows progress.
BACKGROUND_ROWS_DEFAULT = 5000
#: Uploads may be larger than a phone's form (MAX_CONTENT_LENGTH): 100,000 rows fit.
MAX_UPLOAD = ROSTER_UPLOAD_MAX


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
    stored = site.contact_phone
    if (
        form.validate_on_submit()
        and (changed := save(form, lambda: update_site(site, form.to_input(stored_phone=stored)))) is not REFUSED
    ):
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
            "Erased the phone number, %(notes)d notes and %(fixes)d GPS fixes of %(door)s.",
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


def import_root() -> Area:
    """Station names in a roster file are looked up under the user's district."""
    return db.session.get(Area, current_user.area.ancestor_ids[0])


@bp.get("/imports")
@login_required
@requires(may_edit_roster)
def imports():
    """Upload a roster file; download the template."""
    return render_template("roster/import.html", form=ImportForm())


@bp.get("/imports/template.<any(csv, xlsx):fmt>")
@login_required
@requires(may_edit_roster)
def template(fmt: str):
    """The roster template with Chinese headers and two example rows."""
    data = template_csv() if fmt == "csv" else template_xlsx()
    mimetype = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=f"roster-template.{fmt}")


@bp.post("/imports")
@upload_limit(MAX_UPLOAD)
@login_required
@requires(may_edit_roster)
def preview():
    """Check the file and show what importing it would add, update or refuse. Writes nothing."""
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("roster/import.html", form=form), 422
    upload = form.file.data
    data, filename = upload.read(), upload.filename or "roster.csv"
    try:
        plan = plan_import(data, filename, import_root(), current_user)
    except RosterFileError as error:
        show_on_form(form, error)
        return render_template("roster/import.html", form=form), 422
    job_id = jobs.create_job(current_user, import_root(), filename, data) if plan.ok else None
    return render_template(
        "roster/preview.html", plan=plan, job_id=job_id, filename=filename, form=ConfirmForm(), limit=PREVIEW_ROWS
    ), (200 if plan.ok or not plan.errors else 422)


@bp.post("/imports/<job_id>")
@login_required
@requires(may_edit_roster)
def confirm(job_id: str):
    """Import the file shown in the preview: all rows or none. Large files continue in the background."""
    state = own_job_or_404(job_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if state["status"] != "preview":
        return redirect(url_for("roster.job", job_id=job_id), code=303)
    if jobs.job_data(job_id).count(b"\n") > current_app.config.get("IMPORT_BACKGROUND_ROWS", BACKGROUND_ROWS_DEFAULT):
        jobs.update_state(job_id, status="queued")
        jobs.run_in_background(current_app._get_current_object(), job_id)
    elif jobs.run_import(job_id, import_root(), current_user) is None:
        # The roster changed since the preview: nothing was imported; the file must be checked again.
        flash(_("The roster changed since the preview; nothing was imported. Upload the file again."), "error")
        return redirect(url_for("roster.imports"), code=303)
    return redirect(url_for("roster.job", job_id=job_id), code=303)


@bp.get("/imports/<job_id>")
@login_required
@requires(may_edit_roster)
def job(job_id: str):
    """How an import went, or how far it has got (the fragment polls itself while running)."""
    state = own_job_or_404(job_id)
    return render("roster/job.html", "roster/_job_progress.html", state=state, job_id=job_id)


def own_job_or_404(job_id: str) -> dict:
    state = jobs.read_state(job_id)
    if state is None or state["user_id"] != current_user.id:
        abort(404)
    return state
