"""The door page (/h/<token>, the URL a QR door tag holds), recording a visit there, undo and correction."""

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fieldapp.access import visible_tag_or_404, visible_visit_or_404
from fieldapp.contacts import retired_tag_page
from fieldapp.database import commit_keeping_loaded
from fieldapp.extensions import db
from fieldapp.forms import REFUSED, form_page, save, save_or_flash
from fieldapp.htmx import is_htmx, render
from fieldapp.models import Area, MiniProgram, Site, Tag, Visit
from fieldapp.permissions import may_correct_visit
from fieldapp.programs.services import active_programs
from fieldapp.refusals import Refused, show_on_form
from fieldapp.sites import bp
from fieldapp.sites.forms import CorrectionForm, VisitForm
from fieldapp.sites.walk import next_door
from fieldapp.tags.services import note_scan
from fieldapp.tallies import area_totals
from fieldapp.visits.rules import VisitConflict
from fieldapp.visits.services import correct_visit, record_visit, undo_visit

RECENT_VISITS = 10


def household_context(site: Site, tag: Tag, form: VisitForm | None = None) -> dict:
    recent = db.session.scalars(
        select(Visit)
        .where(Visit.site_id == site.id)
        .order_by(Visit.id.desc())
        .limit(RECENT_VISITS)
        .options(joinedload(Visit.user))  # each line names its volunteer
    ).all()
    return {"site": site, "tag": tag, "form": form, "visits": recent}


def door_form() -> VisitForm:
    """The visit form, with one count per active mini-program when the district keeps a list."""
    return VisitForm.with_programs(active_programs())()


def live_tag_or_page(token: str):
    """The tag behind a door URL, or the page that explains why it leads nowhere (or asks which door it is on)."""
    tag = visible_tag_or_404(token)
    if tag.retired_at is not None:
        return None, retired_tag_page(tag)
    if tag.site is None:  # a blank tag's first scan: which room is this door?
        return None, redirect(url_for("tags.bind", token=token), code=303)
    return tag, None


@bp.get("/h/<token>")
@login_required
def household(token: str):
    """The household a door tag leads to: where it is, the visit form, and its visits so far."""
    tag, refusal = live_tag_or_page(token)
    if refusal:
        return refusal
    note_scan(tag)
    context = household_context(tag.site, tag, door_form())
    if request.args.get("saved"):  # back here after a plain form post saved a visit: where next
        context.update(walk=next_door(tag.site), progress=area_totals(tag.site.building, targets=False))
    return render_template("sites/household.html", **context)


@bp.post("/h/<token>")
@login_required
def record(token: str):
    """Record a visit. htmx gets the confirmation fragment; a plain form post is redirected (303)."""
    tag, refusal = live_tag_or_page(token)
    if refusal:
        return refusal
    site = tag.site
    building = site.building  # held here, so the visit's tallies find it loaded
    form = door_form()
    if form.validate_on_submit():
        try:
            visit, created = record_visit(current_user, site, form.to_input(), form.client_uuid.data)
        except VisitConflict:
            # This form already stored a visit with other answers (or at another door): that one
            # stands; a fresh form records another visit only if the volunteer saves again.
            form.client_uuid.errors = [
                _("This form was already saved with other answers; that visit stands. Save again only for a new visit.")
            ]
            form.client_uuid.data = str(uuid.uuid4())
        except Refused as refused:
            show_on_form(form, refused)
        else:
            # What the confirmation shows was read or written in this transaction, the door locked:
            # keep it loaded rather than reading it all again.
            commit_keeping_loaded()
            return visit_recorded(tag, building, visit, created)
    db.session.rollback()
    return render("sites/household.html", "sites/_visit_form.html", status=422, **household_context(site, tag, form))


def visit_recorded(tag: Tag, building: Area, visit: Visit, created: bool):
    message = _("Visit recorded.") if created else _("This visit was already recorded.")
    if is_htmx():
        return render(
            "sites/household.html",
            "sites/_visit_recorded.html",
            site=tag.site,
            tag=tag,
            visit=visit,
            created=created,
            message=message,
            notes=gps_notes(visit),
            progress=area_totals(building, targets=False),
            walk=next_door(tag.site),
        )
    flash(message, "success")
    for note in gps_notes(visit):
        flash(note, "info")
    return redirect(url_for("sites.household", token=tag.token, saved=1), code=303)


def gps_notes(visit: Visit) -> list[str]:
    """A gentle word when the location looks off: recorded anyway, a supervisor may ask."""
    notes = []
    if visit.gps_missing:
        notes.append(_("No location came with this visit. It is recorded all the same."))
    elif visit.gps_far:
        notes.append(
            _(
                "This visit was about %(metres)d m from the door. It is recorded; your supervisor may ask.",
                metres=int(visit.distance_m),
            )
        )
    elif visit.gps_inaccurate:
        notes.append(_("The location was imprecise. It is recorded all the same."))
    return notes


def visit_and_door_or_404(visit_id: int) -> tuple[Visit, Tag]:
    """A visit in my area and its door's live tag (whose page the visit is shown on)."""
    visit = visible_visit_or_404(visit_id)
    tag = visit.site.active_tag
    if tag is None:
        abort(404)
    return visit, tag


@bp.post("/visits/<int:visit_id>/undo")
@login_required
def undo(visit_id: int):
    """Take back my own visit within 5 minutes (a mis-tap at the wrong door)."""
    visit, tag = visit_and_door_or_404(visit_id)
    save_or_flash(lambda: undo_visit(current_user, visit), _("Visit undone; it no longer counts."))
    return redirect(url_for("sites.household", token=tag.token), code=303)


def correction_programs(visit: Visit) -> list:
    """The programs a correction counts: the active ones and those the visit counts. A visit recorded as a
    single number before the list existed keeps its single number (it cannot be split after the fact)."""
    if visit.miniprogram_regs and not visit.program_regs:
        return []
    counted = [row.mini_program_id for row in visit.program_regs]
    active = active_programs()
    retired = db.session.scalars(select(MiniProgram).where(MiniProgram.id.in_(counted), ~MiniProgram.active)).all()
    return [*active, *retired]


@bp.route("/visits/<int:visit_id>/correct", methods=["GET", "POST"])
@login_required
def correct(visit_id: int):
    """Leads and supervisors correct what was recorded, with a reason that is kept."""
    visit, tag = visit_and_door_or_404(visit_id)
    if not may_correct_visit(current_user, visit):
        abort(403)
    form = CorrectionForm.with_programs(correction_programs(visit))(obj=visit if request.method == "GET" else None)
    if request.method == "GET":
        counted = {row.mini_program_id: row.regs for row in visit.program_regs}
        for program, field in form.program_counts():
            field.data = counted.get(program.id, 0)
    write = lambda: correct_visit(current_user, visit, form.to_input(), form.reason.data)  # noqa: E731
    if form.validate_on_submit() and save(form, write) is not REFUSED:
        flash(_("Visit corrected."), "success")
        return redirect(url_for("sites.household", token=tag.token), code=303)
    return form_page("sites/correct.html", form, visit=visit, site=visit.site, tag=tag)
