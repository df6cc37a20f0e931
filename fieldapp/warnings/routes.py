"""Warning pages: the supervisor's list, entering and importing warnings, one warning with its follow-up steps."""

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldapp.access import areas_within, found_or_404, users_within
from fieldapp.extensions import db
from fieldapp.forms import REFUSED, ConfirmForm, form_page, save, save_or_flash
from fieldapp.models import Area, User
from fieldapp.models.outreach import FraudWarning
from fieldapp.models.sites import mask_phone
from fieldapp.permissions import may_correct_warning, may_follow_up_warning, may_manage_warnings, requires
from fieldapp.refusals import Refused
from fieldapp.warnings import bp
from fieldapp.warnings.corrections import correct_warning, restore_warning, route_warning, withdraw_warning
from fieldapp.warnings.deadlines import FILTERS, is_overdue, minutes_left, next_step, now, overdue_steps, timeliness
from fieldapp.warnings.forms import (
    CALL_RESULTS,
    VISIT_RESULTS,
    CorrectForm,
    ImportWarningsForm,
    RouteForm,
    StepForm,
    WarningForm,
    WithdrawForm,
)
from fieldapp.warnings.imports import import_warnings, parse_local_time
from fieldapp.warnings.queries import area_warnings
from fieldapp.warnings.services import StepInput, WarningInput, create_warning, record_step, warning_steps

#: Areas a warning may be routed to: down to grids (a building's warning goes to its grid).
ROUTING_LEVELS = ("district", "station", "community", "grid")


def visible_warning_or_404(warning_id: int) -> FraudWarning:
    """A warning inside my area; another station's answers 404, as its households do."""
    warning = found_or_404(FraudWarning, warning_id)
    if not current_user.can_see(warning.area):
        abort(404)
    return warning


def routing_choices(form) -> None:
    """The areas of mine a warning may go to, and the active people of my area (0: nobody yet)."""
    areas = db.session.scalars(areas_within(current_user.area).where(Area.level.in_(ROUTING_LEVELS))).all()
    form.area_id.choices = [(area.id, "· " * (len(area.ancestor_ids) - 1) + area.name) for area in areas]
    people = db.session.scalars(
        users_within(current_user.area).where(User.is_active_account).order_by(User.display_name)
    )
    form.assigned_to_id.choices = [(0, _("Nobody yet (route it later)"))] + [
        (user.id, f"{user.display_name} ({user.username})") for user in people
    ]


def posted_area_and_person(form) -> tuple[Area | None, User | None]:
    area = db.session.get(Area, form.area_id.data) if form.area_id.data else None
    person = db.session.get(User, form.assigned_to_id.data) if form.assigned_to_id.data else None
    return area, person


@bp.get("/warnings")
@login_required
@requires(may_manage_warnings)
def index():
    """Every warning of my area, open, overdue or done; overdue ones red."""
    show = request.args.get("show", "open")
    if show not in FILTERS:
        show = "open"
    return render_template(
        "warnings/index.html",
        warnings=area_warnings(current_user.area, show),
        show=show,
        filters=FILTERS,
        moment=now(),
        is_overdue=is_overdue,
        minutes_left=minutes_left,
    )


@bp.route("/warnings/new", methods=["GET", "POST"])
@login_required
@requires(may_manage_warnings)
def new():
    """Enter a warning by hand (a phone call from the platform, a note passed on)."""
    form = WarningForm()
    routing_choices(form)
    if request.method == "GET":
        form.area_id.data = current_user.area_id
    if form.validate_on_submit():
        area, person = posted_area_and_person(form)
        data = WarningInput(
            external_id=form.external_id.data or f"M-{uuid.uuid4().hex[:12]}",
            received_at=parse_local_time(form.received_at.data),
            phone=form.phone.data or "",
            address=form.address.data or "",
            category=form.category.data or "",
            source=form.source.data or "manual",
            area=area,
            assigned_to=person,
        )
        result = save(form, lambda: create_warning(data, current_user))
        if result is not REFUSED:
            warning, created = result
            flash(_("Warning saved.") if created else _("This warning number was already entered."), "success")
            return redirect(url_for("warnings.show", warning_id=warning.id), code=303)
    return form_page("warnings/new.html", form)


@bp.route("/warnings/import", methods=["GET", "POST"])
@login_required
@requires(may_manage_warnings)
def import_file():
    """Import a file of warnings, all or nothing: any bad row and nothing is added, each problem listed."""
    form = ImportWarningsForm()
    form.area_id.choices = [
        (area.id, "· " * (len(area.ancestor_ids) - 1) + area.name)
        for area in db.session.scalars(areas_within(current_user.area).where(Area.level.in_(ROUTING_LEVELS)))
    ]
    if request.method == "GET":
        form.area_id.data = current_user.area_id
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        area = db.session.get(Area, form.area_id.data)
        try:
            result = import_warnings(upload.read(), upload.filename or "warnings.csv", area, current_user)
        except Refused as refused:
            db.session.rollback()
            form.file.errors = [refused.message]
            return form_page("warnings/import.html", form, result=None)
        if result.problems:
            db.session.rollback()
            return form_page("warnings/import.html", form, result=result)
        db.session.commit()
        flash(
            _(
                "%(created)d warnings imported (%(found)d found their household), %(already)d already there.",
                created=result.created,
                found=result.to_households,
                already=result.already,
            ),
            "success",
        )
        return redirect(url_for("warnings.index"), code=303)
    return form_page("warnings/import.html", form, result=result)


def show_page(
    warning: FraudWarning,
    step_form: StepForm | None = None,
    route_form: RouteForm | None = None,
    withdraw_form: WithdrawForm | None = None,
    correct_form: CorrectForm | None = None,
    status=200,
):
    step = request.args.get("step") if request.args.get("step") in ("call", "visit") else next_step(warning) or "visit"
    withdrawn = warning.withdrawn_at is not None  # a withdrawn warning is read-only: shown struck, with why
    if withdrawn:
        step_form = route_form = None
    if step_form is None and not withdrawn and may_follow_up_warning(current_user, warning):
        step_form = StepForm(step=step)
    if route_form is None and not withdrawn and may_manage_warnings(current_user):
        route_form = RouteForm(area_id=warning.area_id, assigned_to_id=warning.assigned_to_id or 0)
        routing_choices(route_form)
    if may_correct_warning(current_user, warning):
        withdraw_form = withdraw_form or WithdrawForm(formdata=None)
        correct_form = correct_form or CorrectForm(formdata=None, address=warning.address, category=warning.category)
    else:
        withdraw_form = correct_form = None
    moment = now()
    return render_template(
        "warnings/show.html",
        warning=warning,
        steps=warning_steps(warning),
        step_form=step_form,
        route_form=route_form,
        withdraw_form=withdraw_form,
        correct_form=correct_form,
        restore_form=ConfirmForm(formdata=None) if withdrawn and may_manage_warnings(current_user) else None,
        minutes=minutes_left(warning, moment),
        overdue=overdue_steps(warning, moment),
        timeliness=timeliness(warning, moment),
        result_names=dict(CALL_RESULTS + VISIT_RESULTS),
    ), status


@bp.get("/warnings/<int:warning_id>")
@login_required
def show(warning_id: int):
    """One warning: who, where, its deadlines and steps, and the form for the next step."""
    return show_page(visible_warning_or_404(warning_id))


@bp.post("/warnings/<int:warning_id>/steps")
@login_required
def add_step(warning_id: int):
    """Record a call or a face-to-face step from the phone; the same form sent twice records it once."""
    warning = visible_warning_or_404(warning_id)
    if not may_follow_up_warning(current_user, warning):
        abort(403)
    form = StepForm()
    if form.step.data not in ("call", "visit"):
        abort(400)
    if form.validate_on_submit():
        money = {"yes": True, "no": False}.get(form.money_stopped.data)
        data = StepInput(
            step=form.step.data,
            result=form.result.data,
            note=form.note.data or "",
            money_stopped=money,
            amount_stopped=form.amount_stopped.data,
            lat=form.lat.data,
            lon=form.lon.data,
            accuracy_m=form.accuracy_m.data,
        )
        if save(form, lambda: record_step(current_user, warning, data, form.client_uuid.data)) is not REFUSED:
            flash(_("Call recorded.") if data.step == "call" else _("Face-to-face visit recorded."), "success")
            return redirect(url_for("warnings.show", warning_id=warning.id), code=303)
    db.session.refresh(warning)
    return show_page(warning, step_form=form, status=422)


@bp.post("/warnings/<int:warning_id>/route")
@login_required
@requires(may_manage_warnings)
def route(warning_id: int):
    """Send a warning to another area or person (one no household was found for, or a person away)."""
    warning = visible_warning_or_404(warning_id)
    form = RouteForm()
    routing_choices(form)
    if form.validate_on_submit():
        area, person = posted_area_and_person(form)
        if area is None:
            abort(400)
        if save(form, lambda: route_warning(warning, area, person, current_user)) is not REFUSED:
            flash(_("Warning routed."), "success")
            return redirect(url_for("warnings.show", warning_id=warning.id), code=303)
    return show_page(warning, route_form=form, status=422)


@bp.post("/warnings/<int:warning_id>/withdraw")
@login_required
@requires(may_manage_warnings)
def withdraw(warning_id: int):
    """Withdraw a warning the platform retracted (or entered twice), with the reason: it leaves every count."""
    warning = visible_warning_or_404(warning_id)
    form = WithdrawForm()
    if warning.withdrawn_at is None and form.validate_on_submit():
        if save(form, lambda: withdraw_warning(warning, form.reason.data, current_user)) is not REFUSED:
            flash(_("Warning withdrawn: it no longer counts anywhere."), "success")
            return redirect(url_for("warnings.show", warning_id=warning.id), code=303)
    elif warning.withdrawn_at is not None:
        flash(_("This warning was already withdrawn."), "error")
        return redirect(url_for("warnings.show", warning_id=warning.id), code=303)
    return show_page(warning, withdraw_form=form, status=422)


@bp.post("/warnings/<int:warning_id>/restore")
@login_required
@requires(may_manage_warnings)
def restore(warning_id: int):
    """Restore a warning withdrawn by mistake: back on the lists and in every count, its deadlines unchanged."""
    warning = visible_warning_or_404(warning_id)
    if ConfirmForm().validate_on_submit():
        save_or_flash(lambda: restore_warning(warning, current_user), _("Warning restored: it counts again."))
    return redirect(url_for("warnings.show", warning_id=warning.id), code=303)


@bp.post("/warnings/<int:warning_id>/correct")
@login_required
@requires(may_manage_warnings)
def correct(warning_id: int):
    """Correct a warning's phone, address or category; a changed household routes it again."""
    warning = visible_warning_or_404(warning_id)
    if warning.withdrawn_at is not None:
        flash(_("A withdrawn warning cannot be corrected."), "error")
        return redirect(url_for("warnings.show", warning_id=warning.id), code=303)
    form = CorrectForm()
    if form.validate_on_submit():
        fields = (form.phone.data or "", form.address.data or "", form.category.data or "")
        changed = save(form, lambda: correct_warning(warning, *fields, current_user))
        if changed is not REFUSED:
            flash(_("Warning corrected.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("warnings.show", warning_id=warning.id), code=303)
    return show_page(warning, correct_form=form, status=422)


@bp.app_template_filter("mask_phone")
def mask_phone_filter(phone: str | None) -> str:
    """138****1234 wherever a warning's phone is shown."""
    return mask_phone(phone)
