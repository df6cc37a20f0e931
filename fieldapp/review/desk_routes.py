"""The review desk on the office PC: a dense table of a day or week, sorted and filtered by the query string,
verdicts by keyboard or click swapped in place, and approving a page or everything the filter matches."""

from urllib.parse import urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from fieldapp.access import teams_within, visible_area_or_404, visible_visit_or_404
from fieldapp.extensions import db
from fieldapp.forms import ConfirmForm
from fieldapp.htmx import is_htmx
from fieldapp.models import Area
from fieldapp.permissions import may_review, requires
from fieldapp.review import bp
from fieldapp.review.desk import (
    DESK_PAGE_SIZE,
    DeskFilter,
    desk_page,
    matching_ids,
    matching_key,
    visit_recorders,
)
from fieldapp.review.forms import DeskFilterForm, ReviewForm
from fieldapp.review.services import approve_visits, give_verdict, review_tally
from fieldapp.trust.signals import signals_of
from fieldapp.visits.clock import local_today

#: The query parameters that make up the desk's view (and come back in every link and form of it).
VIEW_ARGS = ("area", "day", "span", "signal", "team", "volunteer", "below", "status", "sort")


def desk_days() -> tuple[Area, DeskFilter]:
    """The area and the days shown, without the rest of the filter: all a verdict's tallies need."""
    area = visible_area_or_404(request.args.get("area", current_user.area_id, type=int))
    form = DeskFilterForm(request.args)
    day = form.day.data if form.day.validate(form) else None
    return area, DeskFilter(day=day or local_today(), week=form.span.data == "week")


def desk_view() -> tuple[Area, DeskFilterForm, DeskFilter]:
    """The area, the filter form (with its errors, for a value that cannot be read) and the filter it gives."""
    area = visible_area_or_404(request.args.get("area", current_user.area_id, type=int))
    form = DeskFilterForm(request.args)
    form.team.choices = [(0, _("All")), *[(team.id, team.name) for team in db.session.scalars(teams_within(area))]]
    form.volunteer.choices = [(0, _("All")), *[(person.id, person.display_name) for person in visit_recorders(area)]]
    form.validate()

    def good(field):
        return None if field.errors else field.data

    desk = DeskFilter(
        day=good(form.day) or local_today(),
        week=good(form.span) == "week",
        signal=good(form.signal) or None,
        team_id=good(form.team) or None,
        user_id=good(form.volunteer) or None,
        score_below=good(form.below),
        status=good(form.status) or None,
        sort=good(form.sort) or "score",
    )
    form.day.data = desk.day
    return area, form, desk


def view_args(area: Area, **changes) -> dict:
    """The current view's query parameters (only those that make the view), with `changes`."""
    args = {name: request.args[name] for name in VIEW_ARGS if request.args.get(name)}
    args["area"] = area.id
    args.update(changes)
    return {name: value for name, value in args.items() if value not in (None, "")}


def desk_url(area: Area, **changes) -> str:
    return url_for("review.desk", **view_args(area, **changes))


@bp.app_template_global()
def today_reviews(area: Area) -> dict[str, int]:
    """{review status: visits} of the area today: an area page's review line reads the desk's own count."""
    return review_tally(area, local_today())


@bp.get("/desk")
@login_required
@requires(may_review)
def desk():
    """The review desk: a day's (or week's) visits of my area, one row each, least trusted first."""
    area, form, desk_filter = desk_view()
    page = max(1, request.args.get("page", 1, type=int))
    visits, total = desk_page(area, desk_filter, page)
    first, last = desk_filter.days
    return render_template(
        "review/desk.html",
        area=area,
        form=form,
        desk=desk_filter,
        visits=visits,
        signals=signals_of([visit.id for visit in visits]),
        total=total,
        all_key=matching_key(matching_ids(area, desk_filter)) if total else "",
        page=page,
        pages=max(1, -(-total // DESK_PAGE_SIZE)),
        tally=review_tally(area, first, last),
        desk_url=lambda **changes: desk_url(area, **changes),
        page_url=lambda number: desk_url(area, page=number),
        query=urlencode(view_args(area)),
        bulk_form=ConfirmForm(),
        review_form=ReviewForm(formdata=None),
    )


def back_to_desk(area: Area):
    return redirect(desk_url(area), code=303)


@bp.post("/desk/visits/<int:visit_id>")
@login_required
@requires(may_review)
def desk_review(visit_id: int):
    """One verdict from the desk. htmx swaps the row in place and the tallies follow; a plain form comes back."""
    area, desk_filter = desk_days()
    visit = visible_visit_or_404(visit_id)
    error = give_verdict(current_user, visit, ReviewForm())
    if is_htmx():
        first, last = desk_filter.days
        return render_template(
            "review/_desk_swap.html",
            visit=visit,
            signals=signals_of([visit.id]),
            error=error,
            tally=review_tally(area, first, last),
            query=urlencode(view_args(area)),
            selected=False,
        ), (422 if error else 200)
    flash(error or _("Review saved."), "error" if error else "success")
    return back_to_desk(area)


def ids_from(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isascii() and value.isdigit() and len(value) < 10]


@bp.post("/desk/approve")
@login_required
@requires(may_review)
def desk_approve():
    """Approve the ticked visits, or every visit the filter matches across pages. For the latter the server
    finds the visits again from the filter (never a list of ids from the page), and refuses when their number
    is not the one the supervisor saw: something changed since, and they must look again."""
    area, _form, desk_filter = desk_view()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if request.form.get("scope") == "all":
        ids = matching_ids(area, desk_filter)
        seen = request.form.get("expected", "")
        if seen != matching_key(ids):
            flash(
                _(
                    "The visits matching the filter changed (%(now)d now, %(seen)s when you chose); nothing was "
                    "approved. Look at the list again, then approve.",
                    now=len(ids),
                    seen=seen.partition("-")[0][:9] or "?",
                ),
                "error",
            )
            return back_to_desk(area)
    else:
        ids = ids_from(request.form.getlist("page_id" if request.form.get("scope") == "page" else "visit_id"))
        if not ids:
            flash(_("Tick the visits to approve first."), "error")
            return back_to_desk(area)
    approved = approve_visits(current_user, ids)
    db.session.commit()
    flash(ngettext("%(num)d visit approved.", "%(num)d visits approved.", approved), "success")
    return back_to_desk(area)
