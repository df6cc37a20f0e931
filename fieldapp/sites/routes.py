"""The door page (/h/<token>, the URL a QR door tag holds) and recording a visit there."""

import uuid

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldapp.access import visible_tag_or_404
from fieldapp.extensions import db
from fieldapp.htmx import is_htmx, render
from fieldapp.models import Site, Visit
from fieldapp.sites import bp
from fieldapp.sites.forms import VisitForm
from fieldapp.sites.services import VisitRefused, record_visit
from fieldapp.tallies import area_totals

RECENT_VISITS = 10


def household_context(site: Site, form: VisitForm) -> dict:
    recent = db.session.scalars(
        select(Visit).where(Visit.site_id == site.id).order_by(Visit.server_time.desc()).limit(RECENT_VISITS)
    ).all()
    return {"site": site, "form": form, "visits": recent, "tag": site.active_tag}


@bp.get("/h/<token>")
@login_required
def household(token: str):
    """The household a door tag leads to: where it is, its visits so far, and the visit form."""
    tag = visible_tag_or_404(token)
    if tag.retired_at is not None:
        return render_template("sites/tag_retired.html", tag=tag), 410
    return render_template("sites/household.html", **household_context(tag.site, VisitForm()))


@bp.post("/h/<token>")
@login_required
def record(token: str):
    """Record a visit. htmx gets the confirmation fragment; a plain form post is redirected (303)."""
    tag = visible_tag_or_404(token)
    if tag.retired_at is not None:
        return render_template("sites/tag_retired.html", tag=tag), 410
    site = tag.site
    form = VisitForm()
    if form.validate_on_submit():
        try:
            visit, created = record_visit(current_user, site, form.to_input(), form.client_uuid.data)
        except VisitRefused as refused:
            for name, message in refused.problems.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
        else:
            if visit.site_id == site.id:
                db.session.commit()
                return visit_recorded(tag, visit, created)
            # The same client_uuid already stored a visit at another door: refuse, offer a fresh form.
            form.client_uuid.errors = [_("This form was already used for another household. Record again.")]
            form.client_uuid.data = str(uuid.uuid4())
    db.session.rollback()
    return render("sites/household.html", "sites/_visit_form.html", status=422, **household_context(site, form))


def visit_recorded(tag, visit: Visit, created: bool):
    message = _("Visit recorded.") if created else _("This visit was already recorded.")
    if is_htmx():
        return render(
            "sites/household.html",
            "sites/_visit_recorded.html",
            **household_context(tag.site, VisitForm()),
            visit=visit,
            message=message,
            progress=area_totals(tag.site.building),
        )
    flash(message, "success")
    return redirect(url_for("sites.household", token=tag.token), code=303)
