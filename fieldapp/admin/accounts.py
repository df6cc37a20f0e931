"""An account's life after creation: edit it, deactivate or reactivate it, reset its password to a one-time code
or by a one-time link.

Admins look after every account in their area (another admin's password excepted), supervisors the volunteers
and leads in theirs: permissions.may_manage_account decides, and anything else answers 403 (404 outside the area).
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldapp.access import visible_user_or_404
from fieldapp.admin import bp
from fieldapp.admin.forms import EditUserForm, offer_areas_and_teams
from fieldapp.admin.login_cards import base_url, qr_svg
from fieldapp.admin.services import deactivate_user, reactivate_user, reset_password, update_user
from fieldapp.auth.reset_links import issue_reset_link, max_age_hours
from fieldapp.extensions import db
from fieldapp.forms import REFUSED, ConfirmForm, form_page, save, save_or_flash
from fieldapp.labels import ROLES as ROLE_LABELS
from fieldapp.models import User
from fieldapp.permissions import (
    may_look_after_accounts,
    may_manage_account,
    may_reset_password_of,
    requires,
    roles_assignable_by,
)


def managed_account_or_404(user_id: int) -> User:
    """The account, if inside my area (else 404) and mine to look after (else 403)."""
    account = visible_user_or_404(user_id)
    if not may_manage_account(current_user, account):
        abort(403)
    return account


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
@requires(may_look_after_accounts)
def edit_user(user_id: int):
    """An account's name, role, area (down to a building), team and phone; and its deactivate and reset buttons."""
    account = managed_account_or_404(user_id)
    form = EditUserForm(obj=account)  # what was sent, when sent
    form.role.choices = [(role, ROLE_LABELS[role]) for role in roles_assignable_by(current_user)]
    areas, teams = offer_areas_and_teams(form, current_user)
    if not form.is_submitted():
        form.team_id.data = account.team_id or 0
    if form.validate_on_submit():
        area = next(area for area in areas if area.id == form.area_id.data)
        team = next((team for team in teams if team.id == form.team_id.data), None)
        fields = (form.display_name.data, form.role.data, area, team, form.phone.data)
        if save(form, lambda: update_user(account, *fields)) is not REFUSED:
            flash(_("Account %(username)s saved.", username=account.username), "success")
            return redirect(url_for("admin.users"), code=303)
    return form_page(
        "admin/edit_user.html",
        form,
        account=account,
        confirm=ConfirmForm(),
        may_reset=may_reset_password_of(current_user, account),
    )


@bp.post("/users/<int:user_id>/deactivate")
@login_required
@requires(may_look_after_accounts)
def deactivate(user_id: int):
    """Deactivate: the account's sessions and API keys stop at once; its visits stay."""
    account = managed_account_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    done = _(
        "Account %(username)s deactivated: it is logged out everywhere and its API keys are revoked.",
        username=account.username,
    )
    save_or_flash(lambda: deactivate_user(account, current_user), done)
    return redirect(url_for("admin.edit_user", user_id=account.id), code=303)


@bp.post("/users/<int:user_id>/reactivate")
@login_required
@requires(may_look_after_accounts)
def reactivate(user_id: int):
    """Reactivate: the account may log in again with its password."""
    account = managed_account_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    save_or_flash(lambda: reactivate_user(account), _("Account %(username)s reactivated.", username=account.username))
    return redirect(url_for("admin.edit_user", user_id=account.id), code=303)


@bp.post("/users/<int:user_id>/reset-password")
@login_required
@requires(may_look_after_accounts)
def reset(user_id: int):
    """A one-time code, shown this once, to read out or print; the account must change it at its next login."""
    account = managed_account_or_404(user_id)
    if not may_reset_password_of(current_user, account):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    code = reset_password(account, current_user)
    db.session.commit()
    return render_template("admin/one_time_code.html", account=account, code=code)


@bp.post("/users/<int:user_id>/reset-link")
@login_required
@requires(may_look_after_accounts)
def reset_link(user_id: int):
    """A one-time link (and its QR, to scan from this screen) with which the account's holder sets a new password;
    shown this once. The password stays as it is until the link is used."""
    account = managed_account_or_404(user_id)
    if not may_reset_password_of(current_user, account):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = issue_reset_link(account, current_user)
    db.session.commit()
    link = base_url() + url_for("auth.reset_with_link_page", token=token)
    page = render_template("admin/reset_link.html", account=account, link=link, qr=qr_svg(link), hours=max_age_hours())
    return page, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
