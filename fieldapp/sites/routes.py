"""The door page (/h/<token>, the URL a QR door tag holds, or /sites/<id>/visit for a door without a tag yet),
recording a visit there, undo and correction."""

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fieldapp.access import visible_site_or_404, visible_tag_or_404, visible_visit_or_404
from fieldapp.contacts import retired_tag_page
from fieldapp.database import commit_keeping_loaded
from fieldapp.extensions import db
from fieldapp.forms import REFUSED, form_page, save, save_or_flash
from fieldapp.htmx import is_htmx, render
from fieldapp.models import MiniProgram, Site, Tag, Visit
from fieldapp.permissions import may_correct_visit, may_review
from fieldapp.programs.services import active_programs
from fieldapp.refusals import Refused, show_on_form
from fieldapp.sites import bp
from fieldapp.sites.forms import CorrectionForm, VisitForm
from fieldapp.sites.walk import door_url, walk_on
from fieldapp.tags.services import note_scan
from fieldapp.trust.signals import signals_of
from fieldapp.visits.rules import VisitConflict
from fieldapp.visits.services import correct_visit, record_visit, undo_visit

RECENT_VISITS = 10


def household_context(site: Site, tag: Tag | None, form: VisitForm | None = None) -> dict:
    recent = db.session.scalars(
        select(Visit)
        .where(Visit.site_id == site.id)
        .order_by(Visit.id.desc())
        .limit(RECENT_VISITS)
        .options(joinedload(Visit.user))  # each line names its volunteer
    ).all()
    # Why a visit looks wrong is for those who review it; a volunteer's door page reads nothing more.
    signals = signals_of([visit.id for visit in recent]) if may_review(current_user) else {}
    action = record_url(site, tag)
    return {"site": site, "tag": tag, "form": form, "visits": recent, "signals": signals, "action": action}


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


bp.add_app_template_global(door_url)


def record_url(site: Site, tag: Tag | None) -> str:
    if tag is not None:
        return url_for("sites.record", token=tag.token)
    return url_for("sites.record_at_door", site_id=site.id)


@bp.get("/h/<token>")
@login_required
def household(token: str):
    """The household a door tag leads to: where it is, the visit form, and its visits so far."""
    tag, refusal = live_tag_or_page(token)
    if refusal:
        return refusal
    note_scan(tag)
    return door_page(tag.site, tag)


@bp.get("/sites/<int:site_id>/visit")
@login_required
def door(site_id: int):
    """The same door page for a door without a tag yet (added on the roster, or just imported)."""
    site = visible_site_or_404(site_id)
    if site.active_tag is not None:
        return redirect(door_url(site, saved=request.args.get("saved")), code=303)
    return door_page(site, None)


def door_page(site: Site, tag: Tag | None):
    """A door's page, by its tag or its id; after a plain form post saved a visit (?saved=1), where to go next."""
    context = household_context(site, tag, door_form())
    if request.args.get("saved"):
        walk, progress = walk_on(site)
        context.update(walk=walk, progress=progress)
    return render_template("sites/household.html", **context)


@bp.post("/h/<token>")
@login_required
def record(token: str):
    """Record a visit. htmx gets the confirmation fragment; a plain form post is redirected (303)."""
    tag, refusal = live_tag_or_page(token)
    if refusal:
        return refusal
    return record_visit_at(tag.site, tag)


@bp.post("/sites/<int:site_id>/visit")
@login_required
def record_at_door(site_id: int):
    """Record a visit at a door opened by its id (it had no tag when the page was opened; it may have one now)."""
    site = visible_site_or_404(site_id)
    return record_visit_at(site, site.active_tag)


def record_visit_at(site: Site, tag: Tag | None):
    """The one way a door's form records a visit, whichever URL the door page was opened by."""
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
            return visit_recorded(site, tag, visit, created)
    db.session.rollback()
    return render("sites/household.html", "sites/_visit_form.html", status=422, **household_context(site, tag, form))


def visit_recorded(site: Site, tag: Tag | None, visit: Visit, created: bool):
    message = _("Visit recorded.") if created else _("This visit was already recorded.")
    if is_htmx():
        walk, progress = walk_on(site)
        return render(
            "sites/household.html",
            "sites/_visit_recorded.html",
            site=site,
            tag=tag,
            visit=visit,
            created=created,
            message=message,
            # Recorded through a tag on this door now: "no tag yet" is known without reading the door's tags.
            line_untagged=False if tag is not None and tag.on_door_at(visit.server_time) else visit.untagged,
            notes=gps_notes(visit),
            progress=progress,
            walk=walk,
        )
    flash(message, "success")
    for note in gps_notes(visit):
        flash(note, "info")
    return redirect(door_url(site, saved=1), code=303)


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


@bp.post("/visits/<int:visit_id>/undo")
@login_required
def undo(visit_id: int):
    """Take back my own visit within 5 minutes (a mis-tap at the wrong door)."""
    visit = visible_visit_or_404(visit_id)
    save_or_flash(lambda: undo_visit(current_user, visit), _("Visit undone; it no longer counts."))
    return redirect(door_url(visit.site), code=303)


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
    visit = visible_visit_or_404(visit_id)
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
        return redirect(door_url(visit.site), code=303)
    return form_page("sites/correct.html", form, visit=visit, site=visit.site)
