"""Accounts: admins and supervisors list them; admins create new ones inside their own area and issue API keys.
(Editing, deactivating and resetting an account: accounts.py.)"""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fieldapp.access import users_within, visible_api_token_or_404, visible_user_or_404
from fieldapp.admin import bp
from fieldapp.admin.forms import ApiTokenForm, UserForm, offer_areas_and_teams
from fieldapp.admin.services import create_user
from fieldapp.api.tokens import SCOPES, expires_at, is_expired, issue_token, revoke_token, scopes_for
from fieldapp.extensions import db
from fieldapp.forms import REFUSED, form_page, save
from fieldapp.models import ApiToken, Area, User, mask_phone
from fieldapp.permissions import (
    may_issue_key_for,
    may_issue_keys,
    may_look_after_accounts,
    may_manage_accounts,
    requires,
)


@bp.get("/users")
@login_required
@requires(may_look_after_accounts)
def users():
    """Everyone with an account in my area: role, area, team, phone (masked), active or not."""
    people = db.session.scalars(
        users_within(current_user.area)
        .options(joinedload(User.area), joinedload(User.team))
        .order_by(Area.path, User.role, User.username)
    ).all()
    return render_template("admin/users.html", users=people, mask_phone=mask_phone)


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
@requires(may_manage_accounts)
def new_user():
    """Create an account; the area list holds only areas inside mine."""
    form = UserForm()
    areas, teams = offer_areas_and_teams(form, current_user)
    if form.validate_on_submit():
        area = next(area for area in areas if area.id == form.area_id.data)
        team = next((team for team in teams if team.id == form.team_id.data), None)
        fields = (form.username.data, form.password.data, form.display_name.data, form.role.data, area, team)
        if (user := save(form, lambda: create_user(*fields))) is not REFUSED:
            flash(_("Account %(username)s created.", username=user.username), "success")
            return redirect(url_for("admin.users"), code=303)
    return form_page("admin/new_user.html", form)


@bp.route("/users/<int:user_id>/tokens", methods=["GET", "POST"])
@login_required
@requires(may_issue_keys)
def tokens(user_id: int):
    """A user's API keys: issue one (shown once, with a scope and an expiry) or revoke one. Both are audited."""
    user = visible_user_or_404(user_id)
    may_issue = may_issue_key_for(current_user, user)
    form = ApiTokenForm()
    form.scope.choices = list(scopes_for(user).items())  # the warnings feed only for who may enter warnings
    issued = None
    if form.is_submitted() and not may_issue:
        abort(403)
    if form.validate_on_submit():
        _token, issued = issue_token(
            user, form.name.data.strip(), current_user, scope=form.scope.data, days=form.days.data
        )
        db.session.commit()
        form = ApiTokenForm(formdata=None)
    keys = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())).all()
    status = 422 if form.errors else 200
    page = render_template(
        "admin/tokens.html",
        user=user,
        form=form,
        keys=keys,
        issued=issued,
        may_issue=may_issue,
        scopes=SCOPES,
        expires_at=expires_at,
        is_expired=is_expired,
    )
    return page, status


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
@requires(may_issue_keys)
def revoke(token_id: int):
    token = visible_api_token_or_404(token_id)
    revoke_token(token)
    db.session.commit()
    flash(_("Key %(prefix)s… revoked; it opens nothing from now on.", prefix=token.prefix), "success")
    return redirect(url_for("admin.tokens", user_id=token.user_id), code=303)
