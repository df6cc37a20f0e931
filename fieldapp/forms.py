"""Forms and form handling that more than one part of the product uses."""

from collections.abc import Callable

from flask import flash, render_template
from flask_wtf import FlaskForm

from fieldapp.extensions import db
from fieldapp.refusals import Refused, show_on_form

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
