"""督察回访 pages: a supervisor draws a station's round and reads it; an assignee answers a check from the phone."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fieldapp.access import found_or_404, users_within, visible_area_or_404
from fieldapp.extensions import db
from fieldapp.forms import REFUSED, ConfirmForm, save
from fieldapp.models import Site, User
from fieldapp.models.trust import SpotCheck, SpotCheckRound
from fieldapp.permissions import may_answer_spot_check, may_draw_spot_checks, requires
from fieldapp.refusals import Refused
from fieldapp.roster import services as roster_services  # the module: roster.services imports areas, which imports us
from fieldapp.spotchecks import bp
from fieldapp.spotchecks.answers import answer_check
from fieldapp.spotchecks.forms import AnswerForm, DrawForm, ReassignForm
from fieldapp.spotchecks.queries import addresses, round_summary
from fieldapp.spotchecks.services import draw_round, reassign_check


def my_check_or_404(check_id: int) -> SpotCheck:
    """A check assigned to me; anyone else's (and one of my own visits) answers 404, as if it did not exist."""
    check = found_or_404(SpotCheck, check_id)
    if not may_answer_spot_check(current_user, check):
        abort(404)
    return check


def visible_round_or_404(round_id: int) -> SpotCheckRound:
    round_ = found_or_404(SpotCheckRound, round_id)
    if not current_user.can_see(round_.area):
        abort(404)
    return round_


@bp.post("/areas/<int:area_id>/spot-checks")
@login_required
@requires(may_draw_spot_checks)
def draw(area_id: int):
    """Draw this week's (or a chosen week's) spot checks for my station; a second draw of a week is refused."""
    area = visible_area_or_404(area_id, "station")
    form = DrawForm()
    if form.validate_on_submit():
        write = lambda: draw_round(  # noqa: E731
            area, form.week.data, current_user, per_volunteer=form.per_volunteer.data, mode=form.assign.data
        )
        round_ = save(form, write)
        if round_ is not REFUSED:
            n, week = len(round_.checks), round_.week_start.isoformat()
            drawn = _("Spot checks drawn: %(n)d households, week of %(week)s.", n=n, week=week)
            flash(drawn, "success")
            return redirect(url_for("spotchecks.show_round", round_id=round_.id), code=303)
    for error in [*form.form_errors, *(e for f in form for e in f.errors)]:
        flash(str(error), "error")
    return redirect(url_for("areas.show", area_id=area.id, _anchor="spot-checks"), code=303)


@bp.get("/spot-checks/rounds/<int:round_id>")
@login_required
@requires(may_draw_spot_checks)
def show_round(round_id: int):
    """A round: every drawn household, its volunteer, who checks it and what was found."""
    round_ = visible_round_or_404(round_id)
    checks = db.session.scalars(
        select(SpotCheck)
        .where(SpotCheck.round_id == round_.id)
        .options(
            joinedload(SpotCheck.site).joinedload(Site.building),
            joinedload(SpotCheck.volunteer),
            joinedload(SpotCheck.assigned_to),
        )
        .order_by(SpotCheck.id)
    ).all()
    people = db.session.scalars(
        users_within(round_.area).where(User.is_active_account.is_(True)).order_by(User.display_name)
    ).all()
    total, rows = round_summary(round_)
    return render_template(
        "spotchecks/round.html",
        round=round_,
        checks=checks,
        addresses=addresses(checks),
        people=people,
        total=total,
        rows=rows,
        form=ConfirmForm(),
    )


@bp.post("/spot-checks/<int:check_id>/assign")
@login_required
@requires(may_draw_spot_checks)
def reassign(check_id: int):
    """Give an open check to someone else of the station."""
    check = found_or_404(SpotCheck, check_id)
    if not current_user.can_see(check.round.area):
        abort(404)
    form = ReassignForm()
    people = users_within(check.round.area).where(User.is_active_account.is_(True))
    form.assigned_to_id.choices = [(person.id, person.display_name) for person in db.session.scalars(people)]
    if not form.validate_on_submit():
        flash(_("Choose a person of this station."), "error")
    else:
        try:
            reassign_check(check, db.session.get(User, form.assigned_to_id.data), current_user)
        except Refused as refused:
            db.session.rollback()
            flash(refused.message, "error")
        else:
            db.session.commit()
            flash(_("Spot check reassigned."), "success")
    return redirect(url_for("spotchecks.show_round", round_id=check.round_id), code=303)


def check_page(check: SpotCheck, form: AnswerForm | None = None, revealed: str | None = None, status: int = 200):
    return render_template(
        "spotchecks/check.html",
        check=check,
        address=addresses([check])[check.id],
        form=form or AnswerForm(),
        call_form=ConfirmForm(),
        revealed=revealed,
    ), status


@bp.get("/spot-checks/<int:check_id>")
@login_required
def show(check_id: int):
    """One household to verify: where it is, its masked phone with a call button, and the answer form."""
    return check_page(my_check_or_404(check_id))


@bp.post("/spot-checks/<int:check_id>/call")
@login_required
def call(check_id: int):
    """Show the household's full number to call it (tap to dial); each reading is audited."""
    check = my_check_or_404(check_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    phone = roster_services.reveal_phone(check.site)
    db.session.commit()
    page, status = check_page(check, revealed=phone)
    return page, status, {"Cache-Control": "no-store"}


@bp.post("/spot-checks/<int:check_id>")
@login_required
def answer(check_id: int):
    """Record the household's answer; the same form sent twice is recorded once."""
    check = my_check_or_404(check_id)
    form = AnswerForm()
    if form.validate_on_submit():
        write = lambda: answer_check(  # noqa: E731
            current_user, check, form.method.data, form.result.data, form.note.data or "", form.client_uuid.data
        )
        if save(form, write) is not REFUSED:
            flash(_("Answer recorded."), "success")
            return redirect(url_for("areas.today"), code=303)
    db.session.refresh(check)
    return check_page(check, form, status=422)
