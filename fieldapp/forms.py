"""Forms and form handling that more than one part of the product uses."""

from collections.abc import Callable
from datetime import date

from flask import flash, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from fieldapp.extensions import db
from fieldapp.refusals import Refused, show_on_form


def within_calendar(_form, field) -> None:
    """The days a page can be asked about: a typed year 9999 or 0001 is refused on the form, before the date
    arithmetic of a week or a day's end runs past the calendar (a 500)."""
    if field.data is not None and not date(2000, 1, 1) <= field.data <= date(2099, 12, 31):
        raise ValidationError(_l("Give a day from 2000 to 2099."))


#: What `save` returns when the service refused: nothing was written.
REFUSED = object()


class ConfirmForm(FlaskForm):
    """Only the CSRF token: for a button whose meaning is in its URL (publish, import the previewed file,
    approve the ticked visits, whose ids come as a list of checkboxes)."""


def save(form: FlaskForm, write: Callable[[], object]):
    """Run one service write for a valid form and commit it; what `write` returned comes back.

    If the service refuses, the transaction is rolled back, the problems go under the form's fields,
    and REFUSED comes back: the page is shown again with them, nothing having been written.
    """
    try:
        result = write()
    except Refused as refused:
        db.session.rollback()
        show_on_form(form, refused)
        return REFUSED
    db.session.commit()
    return result


def save_or_flash(write: Callable[[], object], done: str) -> bool:
    """For a button with no form to show again: commit and say `done`, or roll back and say why not."""
    try:
        write()
    except Refused as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return False
    db.session.commit()
    flash(done, "success")
    return True


def form_page(template: str, form: FlaskForm, **context):
    """A form's page: 200 when first shown, 422 when it comes back with problems."""
    return render_template(template, form=form, **context), (422 if form.is_submitted() else 200)
