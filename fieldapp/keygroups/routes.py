"""Key group pages: the list with a form for a new group, changing one, archiving and restoring (admins only)."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from fieldapp.access import found_or_404
from fieldapp.forms import REFUSED, ConfirmForm, form_page, save, save_or_flash
from fieldapp.keygroups import bp
from fieldapp.keygroups.forms import KeyGroupForm
from fieldapp.keygroups.services import add_key_group, all_key_groups, set_archived, update_key_group
from fieldapp.models import KeyGroup
from fieldapp.permissions import may_manage_key_groups, requires


@bp.route("/key-groups", methods=["GET", "POST"])
@login_required
@requires(may_manage_key_groups)
def index():
    """The district's key groups (重点人群) with their revisit intervals, and a form for a new one."""
    form = KeyGroupForm()
    if form.validate_on_submit():
        group = save(form, lambda: add_key_group(form.name.data, form.revisit_days.data))
        if group is not REFUSED:
            flash(_("Key group %(name)s added: households can be marked with it now.", name=group.name), "success")
            return redirect(url_for("keygroups.index"), code=303)
    return form_page("keygroups/index.html", form, groups=all_key_groups(), confirm=ConfirmForm())


@bp.route("/key-groups/<int:group_id>/edit", methods=["GET", "POST"])
@login_required
@requires(may_manage_key_groups)
def edit(group_id: int):
    """Rename a key group or change how often its households are revisited."""
    group = found_or_404(KeyGroup, group_id)
    form = KeyGroupForm(obj=group if request.method == "GET" else None)
    write = lambda: update_key_group(group, form.name.data, form.revisit_days.data)  # noqa: E731
    if form.validate_on_submit() and save(form, write) is not REFUSED:
        flash(_("Key group %(name)s saved.", name=group.name), "success")
        return redirect(url_for("keygroups.index"), code=303)
    return form_page("keygroups/edit.html", form, group=group)


@bp.post("/key-groups/<int:group_id>/archive")
@login_required
@requires(may_manage_key_groups)
def archive(group_id: int):
    """The group leaves the edit page, Today and coverage tables; its households keep their marks."""
    return _set_archived(group_id, True, _("Archived: households keep their marks, but nothing lists it."))


@bp.post("/key-groups/<int:group_id>/restore")
@login_required
@requires(may_manage_key_groups)
def restore(group_id: int):
    return _set_archived(group_id, False, _("Restored: its households are listed again."))


def _set_archived(group_id: int, archived: bool, done: str):
    group = found_or_404(KeyGroup, group_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    save_or_flash(lambda: set_archived(group, archived), done)
    return redirect(url_for("keygroups.index"), code=303)
