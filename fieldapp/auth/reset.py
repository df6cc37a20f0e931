"""The page a one-time password-reset link opens (/reset/<token>): the new password twice, then its holder is
logged in. Rate limited like login (failed attempts, per address); a bad, expired or used link says so."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from fieldapp.auth import bp
from fieldapp.auth.forms import ResetPasswordForm
from fieldapp.auth.reset_links import reset_with_link, user_for_token
from fieldapp.auth.services import renew_csrf_token
from fieldapp.extensions import limiter
from fieldapp.forms import REFUSED, save
from fieldapp.limits import PASSWORD_MIN


def reset_rate_limit() -> str:
    """The login page's limit per address: a link is a password's stand-in."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def refused(response) -> bool:
    """A dead link or a refused password counts against the address; opening a good link does not."""
    return response.status_code in (410, 422)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(reset_rate_limit, deduct_when=refused)
def reset_with_link_page(token: str):
    """Choose a new password with a link an admin handed out; afterwards logged in, every other session ended."""
    user = user_for_token(token[:512])
    if user is None:
        return render_template("auth/reset_invalid.html"), 410
    form = ResetPasswordForm()
    if form.validate_on_submit() and save(form, lambda: reset_with_link(user, form.new_password.data)) is not REFUSED:
        if current_user.is_authenticated:
            logout_user()  # a phone someone else was logged in on
        renew_csrf_token()
        login_user(user, remember=True)  # this session carries the new version
        flash(_("Password set. You are logged in; any other session of this account is logged out."), "success")
        return redirect(url_for("core.index"), code=303)
    status = 422 if form.errors else 200
    page = render_template("auth/reset.html", form=form, account=user, password_min=PASSWORD_MIN)
    return page, status, {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
