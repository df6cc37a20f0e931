"""The daily log: filter a day's visits, see the evidence, approve, flag or reject."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from fieldapp.access import teams_within, visible_area_or_404, visible_visit_or_404
from fieldapp.extensions import db
from fieldapp.forms import ConfirmForm
from fieldapp.htmx import is_htmx, render
from fieldapp.models import Area
from fieldapp.permissions import may_review, requires
from fieldapp.review import bp
from fieldapp.review.desk import visit_recorders
from fieldapp.review.forms import LogFilterForm, ReviewForm
from fieldapp.review.services import LOG_PAGE_SIZE, approve_visits, day_log, give_verdict
from fieldapp.trust.signals import signals_of
from fieldapp.visits.clock import local_today


def filter_form(area: Area) -> LogFilterForm:
    form = LogFilterForm(request.args)
    teams = db.session.scalars(teams_within(area)).all()
    form.team.choices = [(0, _("All")), *[(team.id, team.name) for team in teams]]
    form.volunteer.choices = [(0, _("All")), *[(person.id, person.display_name) for person in visit_recorders(area)]]
    form.validate()
    return form


@bp.get("/log")
@login_required
@requires(may_review)
def log():
    """A day's visits in my area (or a part of it), flagged ones first, with the evidence, a page at a time."""
    area = visible_area_or_404(request.args.get("area", current_user.area_id, type=int))
    form = filter_form(area)
    day = form.day.data if form.day.data and not form.day.errors else local_today()
    form.day.data = day
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = day_log(
        area,
        day,
        team_id=form.team.data if not form.team.errors else None,
        user_id=form.volunteer.data if not form.volunteer.errors else None,
        outcome=form.outcome.data or None if not form.outcome.errors else None,
        flag=form.flag.data or None if not form.flag.errors else None,
        page=page,
        signal=form.signal.data or None if not form.signal.errors else None,
    )
    return render_template(
        "review/log.html",
        area=area,
        form=form,
        day=day,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // LOG_PAGE_SIZE)),
        page_url=lambda number: url_for("review.log", **{**request.args.to_dict(), "page": number}),
        review_form=ReviewForm(),
        bulk_form=ConfirmForm(),
        signals=signals_of([visit.id for visit in rows]),
    )


def back_to_log():
    target = request.form.get("next") or url_for("review.log")
    return redirect(target if target.startswith("/log") else url_for("review.log"), code=303)


@bp.post("/log/visits/<int:visit_id>")
@login_required
@requires(may_review)
def review(visit_id: int):
    """One verdict. htmx swaps the row in place; a plain form goes back to the log."""
    visit = visible_visit_or_404(visit_id)
    error = give_verdict(current_user, visit, ReviewForm())
    if is_htmx():
        return render(
            "review/log.html",
            "review/_row.html",
            status=422 if error else 200,
            visit=visit,
            error=error,
            review_form=ReviewForm(formdata=None),
            signals=signals_of([visit.id]),
        )
    flash(error or _("Review saved."), "error" if error else "success")
    return back_to_log()


@bp.post("/log/approve")
@login_required
@requires(may_review)
def bulk_approve():
    """Approve every ticked visit at once (those outside my area are ignored, never changed)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ticked = request.form.getlist("visit_id")
    ids = [int(value) for value in ticked if value.isascii() and value.isdigit() and len(value) < 10]
    approved = approve_visits(current_user, ids)
    db.session.commit()
    flash(ngettext("%(num)d visit approved.", "%(num)d visits approved.", approved), "success")
    return back_to_log()
