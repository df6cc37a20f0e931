"""Roster files in and out: upload, preview (mapping columns by hand where needed), confirm, progress; the
template; an area's roster as a spreadsheet."""

import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldapp.access import visible_area_or_404
from fieldapp.audit import audit_download
from fieldapp.extensions import db
from fieldapp.forms import ConfirmForm
from fieldapp.htmx import render
from fieldapp.inputs import upload_limit
from fieldapp.keygroups.names import joined_names
from fieldapp.keygroups.services import active_key_groups
from fieldapp.limits import ROSTER_UPLOAD_MAX
from fieldapp.models import Area, mask_name, mask_phone
from fieldapp.permissions import may_edit_roster, requires
from fieldapp.refusals import show_on_form
from fieldapp.reports.cells import csv_bytes, workbook_bytes
from fieldapp.roster import bp, jobs
from fieldapp.roster.export import english, roster_rows, template_rows
from fieldapp.roster.files import COLUMNS, FIELDS, RosterFileError
from fieldapp.roster.forms import ImportForm
from fieldapp.roster.imports import ImportPlan, plan_import
from fieldapp.roster.mapping import MappingRefused, chosen_columns, column_samples, field_label

#: Rows of a preview listed one by one; beyond that only counted.
PREVIEW_ROWS = 200
#: Larger roster files are imported in the background while the page shows progress.
BACKGROUND_ROWS_DEFAULT = 5000
#: Uploads may be larger than a phone's form (MAX_CONTENT_LENGTH): 100,000 rows fit.
MAX_UPLOAD = ROSTER_UPLOAD_MAX
#: A file has at most this many columns on the mapping form; more are not read from the POST.
MAX_COLUMNS = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def import_root() -> Area:
    """Station names in a roster file are looked up under the user's district."""
    return db.session.get(Area, current_user.area.ancestor_ids[0])


@bp.get("/imports")
@login_required
@requires(may_edit_roster)
def imports():
    """Upload a roster file; download the template."""
    return import_page(ImportForm())


def import_page(form: ImportForm, status: int = 200):
    in_english = english()
    columns = (", " if in_english else "、").join(en if in_english else zh for _key, zh, en in COLUMNS)
    key_groups = joined_names(active_key_groups())
    return render_template("roster/import.html", form=form, columns=columns, key_groups=key_groups), status


@bp.get("/imports/template.<any(csv, xlsx):fmt>")
@login_required
@requires(may_edit_roster)
def template(fmt: str):
    """The roster template with Chinese headers, every column, and two example rows."""
    rows = template_rows()
    data = csv_bytes(rows) if fmt == "csv" else workbook_bytes([("住户名册", rows, {0})])
    mimetype = "text/csv" if fmt == "csv" else XLSX
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=f"roster-template.{fmt}")


@bp.post("/imports")
@upload_limit(MAX_UPLOAD)
@login_required
@requires(may_edit_roster)
def preview():
    """Check the file and show what importing it would do, row by row, and how its columns are read. Writes
    nothing; the file is kept (as a job) while its columns are mapped and until it is confirmed."""
    form = ImportForm()
    if not form.validate_on_submit():
        return import_page(form, 422)
    upload = form.file.data
    data, filename = upload.read(), upload.filename or "roster.csv"
    try:
        plan = plan_import(data, filename, import_root(), current_user)
    except RosterFileError as error:
        show_on_form(form, error)
        return import_page(form, 422)
    keep = plan.ok or plan.asks_mapping
    job_id = jobs.create_job(current_user, import_root(), filename, data) if keep else None
    return preview_page(plan, job_id, filename, data)


@bp.post("/imports/<job_id>/columns")
@login_required
@requires(may_edit_roster)
def map_columns(job_id: str):
    """Read the kept file again with the columns as chosen on the preview, and show the preview again."""
    state = own_job_or_404(job_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if state["status"] != "preview":
        return redirect(url_for("roster.job", job_id=job_id), code=303)
    try:
        data = jobs.job_data(job_id)
    except FileNotFoundError:
        flash(_("The file is no longer kept; upload it again."), "error")
        return redirect(url_for("roster.imports"), code=303)
    submitted = {}
    for index in range(MAX_COLUMNS):
        key = request.form.get(f"key-{index}")
        if key is not None:
            submitted[key] = request.form.get(f"map-{index}", "")
    before = plan_import(data, state["filename"], import_root(), current_user, mapping=state.get("mapping"))
    try:
        chosen = chosen_columns(before.file, submitted)
    except MappingRefused as refused:
        return preview_page(before, job_id, state["filename"], data, refused=refused.message, submitted=submitted)
    plan = plan_import(data, state["filename"], import_root(), current_user, mapping=chosen)
    jobs.update_state(job_id, mapping=chosen)
    return preview_page(plan, job_id, state["filename"], data)


def listed(names) -> str:
    return (", " if english() else "、").join(names)


def preview_page(plan: ImportPlan, job_id: str | None, filename: str, data: bytes, refused=None, submitted=None):
    """The preview: 200 when it can be imported, 422 while rows are refused or a column must be chosen."""
    asks = plan.asks_mapping and job_id is not None
    page = render_template(
        "roster/preview.html",
        plan=plan,
        job_id=job_id,
        filename=filename,
        form=ConfirmForm(),
        limit=PREVIEW_ROWS,
        fields=[(key, field_label(key)) for key, _zh, _en in FIELDS],
        refused=refused,
        submitted=submitted or {},
        samples=column_samples(data, filename, plan.file) if asks else {},
        asks_mapping=asks,
        area_name=current_user.area.name,
        missing_named=listed(field_label(key) for key in plan.missing),
        defaults_named=listed(field_label(key) for key in plan.defaults),
        mask_phone=mask_phone,
        mask_name=mask_name,
    )
    return page, (200 if plan.ok and not refused else 422)


@bp.post("/imports/<job_id>")
@login_required
@requires(may_edit_roster)
def confirm(job_id: str):
    """Import the file shown in the preview: all rows or none. Large files go to the queue's workers."""
    state = own_job_or_404(job_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if state["status"] != "preview":
        return redirect(url_for("roster.job", job_id=job_id), code=303)
    if jobs.job_data(job_id).count(b"\n") > current_app.config.get("IMPORT_BACKGROUND_ROWS", BACKGROUND_ROWS_DEFAULT):
        jobs.queue_import(job_id)  # a worker on any host imports it; the page polls the job's row
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


@bp.get("/areas/<int:area_id>/roster.<any(xlsx, csv):fmt>")
@login_required
@requires(may_edit_roster)
def export(area_id: int, fmt: str):
    """The roster of a station, community, grid or building as the template lays it out, phone and householder
    masked; it imports back unchanged. Audited."""
    area = visible_area_or_404(area_id, "station", "community", "grid", "building")
    rows = roster_rows(area)
    data = csv_bytes(rows) if fmt == "csv" else workbook_bytes([(_("Roster"), rows, {0})])
    audit_download("roster.export", area, after={"format": fmt, "doors": len(rows) - 1})
    response = send_file(
        io.BytesIO(data),
        mimetype="text/csv" if fmt == "csv" else XLSX,
        as_attachment=True,
        download_name=f"roster-{area.id}.{fmt}",
    )
    response.headers["Cache-Control"] = "no-store"
    return response
