"""The weekly report page, publishing it, and downloads (every download is audited); a large area's publication and
export go through the queue, with a progress page."""

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldapp.access import visible_area_or_404
from fieldapp.audit import audit_download
from fieldapp.extensions import db
from fieldapp.forms import save_or_flash
from fieldapp.htmx import is_htmx, render
from fieldapp.jobs import own_job_or_404, send_result, state_of
from fieldapp.models import WeeklyReport
from fieldapp.permissions import may_publish, may_read_reports, requires
from fieldapp.refusals import Refused
from fieldapp.reports import bp, weekly_files
from fieldapp.reports.exports import download, export_filename, visit_export_rows, visit_export_xlsx
from fieldapp.reports.forms import PublishForm
from fieldapp.reports.jobs import (
    EXPORT,
    MIMETYPES,
    PUBLISH,
    export_in_background,
    publish_in_background,
    publishing,
    queue_export,
    queue_publish,
)
from fieldapp.reports.weekly import publish_weekly, week_bounds, weekly_csv, weekly_xlsx
from fieldapp.reports.weekly_cache import SHOWN_ROWS, build_draft_now, keeps_draft, weekly_data
from fieldapp.visits.clock import local_today


def requested_week() -> date:
    try:
        day = date.fromisoformat(request.args.get("week", ""))
    except ValueError:
        day = local_today()
    return week_bounds(day)[0]


def published(area_id: int, week_start: date) -> WeeklyReport | None:
    return db.session.scalar(
        select(WeeklyReport).where(WeeklyReport.area_id == area_id, WeeklyReport.week_start == week_start)
    )


def weekly_page(area, week_start: date, form: PublishForm, status: int = 200):
    report = published(area.id, week_start)
    data = report.data if report else weekly_data(area, week_start, whole=False)
    week_end = week_bounds(week_start)[1]
    return render_template(
        "reports/weekly.html",
        area=area,
        data=data,
        report=report,
        week_start=week_start,
        week_over=week_end < local_today(),
        week_started=week_start <= local_today(),
        previous_week=week_start - timedelta(days=7),
        next_week=week_start + timedelta(days=7),
        publish_form=form,
        publishing=None if report else publishing(area.id, week_start),
        files=weekly_files,
        shown_rows=SHOWN_ROWS,
    ), status


@bp.get("/weekly")
@login_required
@requires(may_read_reports)
def weekly():
    """周报: the week stated, every measure with the change from last week, and the ranked tables."""
    area = visible_area_or_404(request.args.get("area", current_user.area_id, type=int))
    return weekly_page(area, requested_week(), PublishForm())


@bp.post("/weekly/publish")
@login_required
@requires(may_publish)
def publish():
    """Freeze the week's report as it stands now, with the 周点评 typed on the form."""
    area = visible_area_or_404(request.form.get("area", type=int) or 0)
    try:
        week_start = week_bounds(date.fromisoformat(request.form.get("week", "")))[0]
    except ValueError:
        abort(400)
    form = PublishForm()
    if not form.validate_on_submit():
        return weekly_page(area, week_start, form, 422)  # the typed comment comes back with what to change
    if publish_in_background(area):  # a large area's tables take seconds: a worker builds them
        try:
            job = queue_publish(current_user, area, week_start, form.comment.data)
        except Refused as refused:
            db.session.rollback()
            flash(refused.message, "error")
        else:
            return redirect(url_for("reports.job", job_id=job.id), code=303)
    else:
        published_now = _("Published. Later corrections will not change this report.")
        save_or_flash(lambda: publish_weekly(current_user, area, week_start, form.comment.data), published_now)
    return redirect(url_for("reports.weekly", area=area.id, week=week_start.isoformat()), code=303)


@bp.post("/weekly/update")
@login_required
@requires(may_read_reports)
def update_draft():
    """Build a large area's draft of this week now, instead of waiting for the worker's next build."""
    area = visible_area_or_404(request.form.get("area", type=int) or 0)
    week_start = week_bounds(local_today())[0]
    if keeps_draft(area) and not published(area.id, week_start) and not build_draft_now(area, week_start):
        flash(_("These figures were brought up to date less than a minute ago."), "info")
    return redirect(url_for("reports.weekly", area=area.id, week=week_start.isoformat()), code=303)


@bp.get("/weekly.<any(xlsx, csv):kind>")
@login_required
@requires(may_read_reports)
def weekly_file(kind: str):
    """The week as XLSX or CSV: the stored bytes once published (in the language they were published in), else
    built now in the reader's language."""
    area = visible_area_or_404(request.args.get("area", current_user.area_id, type=int))
    week_start = requested_week()
    report = published(area.id, week_start)
    if report:
        content = report.xlsx if kind == "xlsx" else report.csv
    else:
        data = weekly_data(area, week_start)
        content = weekly_xlsx(data) if kind == "xlsx" else weekly_csv(data)
    audit_download(
        "report.export",
        area,
        after={"report": f"weekly.{kind}", "week_start": week_start.isoformat(), "published": report is not None},
    )
    return download(content, f"weekly-{area.id}-{week_start.isoformat()}.{kind}")


@bp.get("/visits.<any(csv, xlsx):kind>")
@login_required
@requires(may_read_reports)
def visits_file(kind: str):
    """Every visit of an area over a period as CSV or XLSX, streamed: a million rows never sit in memory."""
    area = visible_area_or_404(request.args.get("area", current_user.area_id, type=int))
    try:
        first_day = date.fromisoformat(request.args.get("from", "2000-01-01"))
        last_day = date.fromisoformat(request.args.get("to", local_today().isoformat()))
    except ValueError:
        abort(400)
    if export_in_background(area, first_day, last_day):  # a worker writes it; the page shows how far it got
        job = queue_export(current_user, area, kind, first_day, last_day)
        return redirect(url_for("reports.job", job_id=job.id), code=303)
    after = {"from": first_day.isoformat(), "to": last_day.isoformat(), "format": kind}
    audit_download("visits.export", area, after=after)
    rows = (visit_export_xlsx if kind == "xlsx" else visit_export_rows)(area, first_day, last_day)
    return download(stream_with_context(rows), export_filename(area, first_day, last_day, kind))


@bp.get("/jobs/<job_id>")
@login_required
@requires(may_read_reports)
def job(job_id: str):
    """How far the export or the publication has got (the fragment polls itself), then the file or the report."""
    job = own_job_or_404(job_id, (EXPORT, PUBLISH))
    response = render("reports/job.html", "reports/_job_progress.html", job=job, state=state_of(job), area=job.area)
    if job.kind == PUBLISH and job.status == "done" and is_htmx():  # the polling page goes on to the report
        response.headers["HX-Redirect"] = url_for("reports.weekly", area=job.area_id, week=job.params["week_start"])
    return response


@bp.get("/jobs/<job_id>/<name>")
@login_required
@requires(may_read_reports)
def job_file(job_id: str, name: str):
    """The export the worker wrote, audited as the export it is each time it is handed out."""
    job = own_job_or_404(job_id, (EXPORT,))
    if job.status != "done" or name != job.filename:
        return redirect(url_for("reports.job", job_id=job.id), code=303)
    response = send_result(job, MIMETYPES[job.params["format"]])  # read before the audit ends the transaction
    after = {key: job.params[key] for key in ("from", "to", "format")}
    audit_download("visits.export", job.area, after={**after, "job": job.id, "rows": job.total})
    return response
