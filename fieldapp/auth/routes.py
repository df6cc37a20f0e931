"""Log in (rate limited) and log out."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from fieldapp.auth import bp
from fieldapp.auth.forms import LoginForm
from fieldapp.extensions import db, limiter
from fieldapp.models import User
from fieldapp.navigation import safe_next


def login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def login():
    """The login page; afterwards the user lands where they were going (e.g. the door they scanned)."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated:
        return redirect(safe_next(form.next.data, url_for("core.index")))
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.username) == username))
        if user is None or not user.check_password(form.password.data) or not user.is_active:
            flash(_("Wrong username or password."), "error")
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data, url_for("core.index")), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Log out (a POST, so a link in a chat cannot log someone out)."""
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"), code=303)
