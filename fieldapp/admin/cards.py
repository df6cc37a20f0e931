"""Accounts in bulk and login cards: import an accounts file (preview, then all rows or none) and print the
new accounts' login cards at once; tick existing accounts and print them new cards. Admins only."""

import io
import json

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from fieldapp.access import users_within
from fieldapp.admin import bp
from fieldapp.admin.account_files import read_accounts, rows_from_values, template_csv, template_xlsx
from fieldapp.admin.imports import import_accounts, plan_accounts
from fieldapp.admin.login_cards import cards_for_created, cards_pdf, issue_login_cards
from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.forms import ConfirmForm
from fieldapp.inputs import upload_limit
from fieldapp.limits import ACCOUNTS_UPLOAD_MAX, LOGIN_CARDS_MAX
from fieldapp.models import Area, User
from fieldapp.permissions import may_manage_accounts, may_print_login_card_for, requires
from fieldapp.refusals import show_on_form
from fieldapp.roster.files import RosterFileError
from fieldapp.tags.sheet import FontMissing

#: Rows listed in the preview; the counts cover them all.
PREVIEW_ROWS = 200


class AccountsFileForm(FlaskForm):
    file = FileField(_l("Accounts file (.csv or .xlsx)"), validators=[FileRequired(message=_l("Choose a file."))])


@bp.get("/accounts/import")
@login_required
@requires(may_manage_accounts)
def accounts_import():
    """Upload an accounts file; download the template."""
    return render_template("admin/accounts_import.html", form=AccountsFileForm())


@bp.get("/accounts/import/template.<any(csv, xlsx):fmt>")
@login_required
@requires(may_manage_accounts)
def accounts_template(fmt: str):
    """The accounts template: Chinese headers and three example rows."""
    data = template_csv() if fmt == "csv" else template_xlsx()
    mimetype = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=f"accounts-template.{fmt}")


@bp.post("/accounts/import")
@upload_limit(ACCOUNTS_UPLOAD_MAX)
@login_required
@requires(may_manage_accounts)
def accounts_preview():
    """What importing the file would create, or every row in error with its reason. Writes nothing."""
    form = AccountsFileForm()
    if not form.validate_on_submit():
        return render_template("admin/accounts_import.html", form=form), 422
    upload = form.file.data
    filename = upload.filename or "accounts.csv"
    try:
        plan = plan_accounts(read_accounts(upload.read(), filename), current_user)
    except RosterFileError as error:
        show_on_form(form, error)
        return render_template("admin/accounts_import.html", form=form), 422
    return preview_page(plan, filename)


def preview_page(plan, filename: str):
    return render_template(
        "admin/accounts_preview.html",
        plan=plan,
        filename=filename,
        rows=json.dumps(plan.values, ensure_ascii=False),
        form=ConfirmForm(),
        limit=PREVIEW_ROWS,
    ), (200 if plan.ok else 422)


@bp.post("/accounts/import/confirm")
@login_required
@requires(may_manage_accounts)
def accounts_confirm():
    """Create the previewed accounts (all or none) and hand back their login cards as a PDF."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    filename = request.form.get("filename", "")[:200]
    try:
        rows = rows_from_values(json.loads(request.form.get("rows", "")))
    except ValueError:
        abort(400)
    # Checked again: another admin may have taken a username since the preview.
    plan = plan_accounts(rows, current_user)
    if not plan.ok:
        return preview_page(plan, filename)
    created = import_accounts(plan, current_user, filename)
    return cards_download(cards_for_created(created), [user for user, _code in created], "import")


@bp.get("/cards")
@login_required
@requires(may_manage_accounts)
def cards():
    """Tick accounts of my area to print them login cards (each gets a new one-time code)."""
    people = db.session.scalars(
        users_within(current_user.area).where(User.is_active_account).order_by(Area.path, User.team_id, User.username)
    ).all()
    return render_template(
        "admin/cards.html",
        users=[user for user in people if may_print_login_card_for(current_user, user)],
        form=ConfirmForm(),
        tick=request.args.get("tick"),
    )


@bp.post("/cards")
@login_required
@requires(may_manage_accounts)
def print_cards():
    """The ticked accounts' login cards as a PDF, with new one-time codes (their old passwords stop working)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ids = set(request.form.getlist("user_id", type=int))
    if not ids:
        flash(_("Tick the accounts to print cards for."), "error")
        return redirect(url_for("admin.cards"), code=303)
    if len(ids) > LOGIN_CARDS_MAX:
        flash(_("At most %(n)d cards at once.", n=LOGIN_CARDS_MAX), "error")
        return redirect(url_for("admin.cards"), code=303)
    people = db.session.scalars(
        users_within(current_user.area)
        .where(User.id.in_(ids), User.is_active_account)
        .order_by(Area.path, User.username)
    ).all()
    if len(people) != len(ids):
        abort(404)  # an account outside my area, or deactivated: as if it did not exist
    if not all(may_print_login_card_for(current_user, user) for user in people):
        abort(403)
    return cards_download(issue_login_cards(people, current_user), people, "reprint")


def cards_download(cards, people: list[User], reason: str):
    """The PDF, no-store; the codes, the import (if any) and this download are written in one transaction,
    after the drawing: without a Chinese font nothing is issued and nobody's password changes."""
    try:
        pdf = cards_pdf(cards)
    except FontMissing as missing:
        db.session.rollback()
        flash(str(missing.message), "error")
        return redirect(url_for("admin.cards" if reason == "reprint" else "admin.accounts_import"), code=303)
    audit(
        "login_cards.download",
        current_user.area,
        after={"reason": reason, "count": len(people), "usernames": [user.username for user in people]},
    )
    db.session.commit()
    name = f"login-cards-{utcnow():%Y%m%d-%H%M}.pdf"
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"  # the codes are passwords
    return response
