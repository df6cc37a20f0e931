"""Marking a door moved out (已搬离): a page that says what it changes, then the result with 撤销 for UNDO_WINDOW."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldapp.access import visible_site_or_404
from fieldapp.extensions import db
from fieldapp.forms import ConfirmForm
from fieldapp.labels import SITE_STATUSES
from fieldapp.models import Site
from fieldapp.navigation import safe_next
from fieldapp.permissions import may_edit_door
from fieldapp.refusals import Refused
from fieldapp.roster import bp
from fieldapp.roster.moving import counter_changes, undo_deadline, undo_moved_out
from fieldapp.roster.services import mark_moved_out


def editable_site_or_404(site_id: int) -> Site:
    """A door of my area whose roster I keep (403 for anyone else)."""
    site = visible_site_or_404(site_id)
    if not may_edit_door(current_user, site):
        abort(403)
    return site


def back_url(site: Site) -> str:
    """Where the page came from (the door page, the roster), else the building's roster."""
    return safe_next(request.args.get("next"), url_for("roster.show", building_id=site.building_id))


@bp.get("/sites/<int:site_id>/moved-out")
@login_required
def moved_out_page(site_id: int):
    """Before: what marking the door moved out changes, and a button to confirm. After: the result, and 撤销
    while UNDO_WINDOW lasts."""
    site = editable_site_or_404(site_id)
    done = site.status == "moved_out"
    return render_template(
        "roster/moved_out.html",
        site=site,
        done=done,
        changes=counter_changes(site, current_user, done=done),
        undo_until=undo_deadline(site) if done else None,
        back=back_url(site),
        form=ConfirmForm(),
    )


@bp.post("/sites/<int:site_id>/moved-out")
@login_required
def moved_out(site_id: int):
    """The confirmed move-out: the household no longer counts among resident households; audited."""
    site = editable_site_or_404(site_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    mark_moved_out(site)
    db.session.commit()
    return redirect(url_for("roster.moved_out_page", site_id=site.id, next=back_url(site)), code=303)


@bp.post("/sites/<int:site_id>/moved-out/undo")
@login_required
def undo_moved_out_view(site_id: int):
    """撤销: the door counts again as it did, within UNDO_WINDOW of the move-out; refused after it, with why."""
    site = visible_site_or_404(site_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        status = undo_moved_out(current_user, site)
    except Refused as refused:
        db.session.rollback()
        flash(refused.message, "error")
        if not may_edit_door(current_user, site):
            return redirect(back_url(site), code=303)
        return redirect(url_for("roster.moved_out_page", site_id=site.id, next=back_url(site)), code=303)
    db.session.commit()
    flash(_("Taken back: %(door)s is %(status)s again.", door=site.door_label, status=SITE_STATUSES[status]), "success")
    return redirect(back_url(site), code=303)
