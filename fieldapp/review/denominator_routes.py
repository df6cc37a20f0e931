"""Household changes (the denominator, 应入户数) for a supervisor to review beside the visits, and acknowledge."""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldapp.access import found_or_404, visible_area_or_404
from fieldapp.extensions import db
from fieldapp.forms import ConfirmForm
from fieldapp.models import Area, AuditEvent
from fieldapp.permissions import may_review, requires
from fieldapp.refusals import Refused
from fieldapp.review import bp
from fieldapp.review.denominators import CHANGE_HOW, CHANGES_PAGE_SIZE, acknowledge_change, denominator_changes
from fieldapp.review.forms import ChangesFilterForm
from fieldapp.visits.clock import local_today

#: Shown unless other days are chosen: the last week.
DEFAULT_DAYS = 7
#: The query parameters that make up the view.
CHANGES_ARGS = ("area", "first", "last", "open")


def changes_args(area: Area, **changes) -> dict:
    args = {name: request.args[name] for name in CHANGES_ARGS if request.args.get(name)}
    return {**args, "area": area.id, **changes}


@bp.get("/desk/households")
@login_required
@requires(may_review)
def denominators():
    """Households marked moved out, vacant or new, doors added, buildings archived: who, when, what it changed."""
    area = visible_area_or_404(request.args.get("area", current_user.area_id, type=int))
    form = ChangesFilterForm(request.args)
    form.validate()
    last = (None if form.last.errors else form.last.data) or local_today()
    first = (None if form.first.errors else form.first.data) or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        form.first.errors = [_("The first day comes after the last.")]
        first = last - timedelta(days=DEFAULT_DAYS - 1)
    form.first.data, form.last.data = first, last
    changes = denominator_changes(area, first, last, open_only=form.open.data == "1" and not form.open.errors)
    page = max(1, request.args.get("page", 1, type=int))
    pages = max(1, -(-len(changes) // CHANGES_PAGE_SIZE))
    return render_template(
        "review/denominators.html",
        area=area,
        form=form,
        total=len(changes),
        changes=changes[(page - 1) * CHANGES_PAGE_SIZE : page * CHANGES_PAGE_SIZE],
        page=page,
        pages=pages,
        page_url=lambda number: url_for("review.denominators", **changes_args(area, page=number)),
        back=url_for("review.denominators", **changes_args(area, page=page)),
        ack_form=ConfirmForm(),
        change_reasons=CHANGE_HOW,
    )


@bp.post("/desk/households/<int:event_id>/acknowledge")
@login_required
@requires(may_review)
def acknowledge(event_id: int):
    """I have seen this change to the denominator (audited)."""
    event = found_or_404(AuditEvent, event_id)
    area = db.session.get(Area, event.area_id) if event.area_id is not None else None
    if area is None or not current_user.can_see(area):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        acknowledge_change(current_user, event)
    except Refused as refused:
        db.session.rollback()
        flash(refused.message, "error")
    else:
        db.session.commit()
        flash(_("Acknowledged."), "success")
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/desk/households") else url_for("review.denominators"), code=303)
