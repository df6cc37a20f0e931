"""Mini-program pages: the list with a form for a new one, renaming, retiring and reactivating (admins only)."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from fieldapp.access import found_or_404
from fieldapp.forms import REFUSED, ConfirmForm, form_page, save, save_or_flash
from fieldapp.models import MiniProgram
from fieldapp.permissions import may_manage_mini_programs, requires
from fieldapp.programs import bp
from fieldapp.programs.forms import ProgramForm
from fieldapp.programs.services import add_program, all_programs, rename_program, set_active


@bp.route("/mini-programs", methods=["GET", "POST"])
@login_required
@requires(may_manage_mini_programs)
def index():
    """The district's mini-programs, active first, and a form for a new one."""
    form = ProgramForm()
    if form.validate_on_submit():
        program = save(form, lambda: add_program(form.name.data))
        if program is not REFUSED:
            flash(_("Mini-program %(name)s added: the door form counts it now.", name=program.name), "success")
            return redirect(url_for("programs.index"), code=303)
    return form_page("programs/index.html", form, programs=all_programs(), confirm=ConfirmForm())


@bp.route("/mini-programs/<int:program_id>/rename", methods=["GET", "POST"])
@login_required
@requires(may_manage_mini_programs)
def rename(program_id: int):
    program = found_or_404(MiniProgram, program_id)
    form = ProgramForm(obj=program if request.method == "GET" else None)
    if form.validate_on_submit() and save(form, lambda: rename_program(program, form.name.data)) is not REFUSED:
        flash(_("Mini-program renamed to %(name)s.", name=program.name), "success")
        return redirect(url_for("programs.index"), code=303)
    return form_page("programs/rename.html", form, program=program)


@bp.post("/mini-programs/<int:program_id>/retire")
@login_required
@requires(may_manage_mini_programs)
def retire(program_id: int):
    """The program leaves the door form; its registrations so far stay counted."""
    return _set_active(program_id, False, _("Retired: the door form no longer shows it; its figures stay."))


@bp.post("/mini-programs/<int:program_id>/reactivate")
@login_required
@requires(may_manage_mini_programs)
def reactivate(program_id: int):
    return _set_active(program_id, True, _("Reactivated: the door form counts it again."))


def _set_active(program_id: int, active: bool, done: str):
    program = found_or_404(MiniProgram, program_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    save_or_flash(lambda: set_active(program, active), done)
    return redirect(url_for("programs.index"), code=303)
