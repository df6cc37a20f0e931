"""Log in (rate limited per address and per account, failed attempts only), log out, change one's password
(at once, when it is a one-time code an admin handed out)."""

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from fieldapp.auth import bp
from fieldapp.auth.forms import LoginForm, PasswordChangeForm
from fieldapp.auth.services import authenticate, change_password, end_sessions, renew_csrf_token
from fieldapp.extensions import db, limiter
from fieldapp.forms import REFUSED, form_page, save
from fieldapp.limits import PASSWORD_MIN
from fieldapp.navigation import safe_next


def login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def login_account_rate_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def attempted_account() -> str:
    """The account a login attempt names, so that guesses spread over many addresses still add up."""
    return "login-account:" + request.form.get("username", "").strip().lower()[:64]


def failed(response) -> bool:
    """Only a refused attempt counts: a team of eleven logging in behind one station's Wi-Fi never
    runs into the limit by logging in."""
    return response.status_code == 422


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"], deduct_when=failed)
@limiter.limit(login_account_rate_limit, methods=["POST"], deduct_when=failed, key_func=attempted_account)
def login():
    """The login page; afterwards the user lands where they were going (e.g. the door they scanned)."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        form.username.data = request.args.get("username", "")[:64]  # a login card's QR names its holder
    if current_user.is_authenticated:
        return redirect(safe_next(form.next.data, url_for("core.index")))
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is None:
            flash(_("Wrong username or password."), "error")
        else:
            renew_csrf_token()
            login_user(user, remember=form.remember.data)
            if user.password_is_temporary:
                return redirect(url_for("auth.password"), code=303)
            return redirect(safe_next(form.next.data, url_for("core.index")), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Log out (a POST, so a link in a chat cannot log someone out). Every copy of this user's session
    and remember-me cookies stops working, on every device."""
    end_sessions(current_user)
    db.session.commit()
    logout_user()
    renew_csrf_token()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change my password; my other phones and browsers are logged out, this one stays logged in."""
    form = PasswordChangeForm()
    temporary = current_user.password_is_temporary
    if temporary:
        form.current_password.label.text = _("One-time code")
    if form.validate_on_submit():
        user = current_user._get_current_object()
        change = lambda: change_password(user, form.current_password.data, form.new_password.data)  # noqa: E731
        if save(form, change) is not REFUSED:
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            renew_csrf_token()
            login_user(user, remember=remembered)  # this session carries the new version
            flash(_("Password changed. Your other sessions are logged out."), "success")
            return redirect(url_for("core.index"), code=303)
    return form_page("auth/password.html", form, password_min=PASSWORD_MIN, temporary=temporary)


#: What a user holding a one-time code may still open: the password page, logging out, and what any page needs.
OPEN_WITH_ONE_TIME_CODE = {
    "auth.password",
    "auth.logout",
    "auth.login",
    "auth.reset_with_link_page",
    "static",
    "core.switch_language",
    "core.healthz",
    "core.favicon",
    "offline.service_worker",
    "offline.manifest",
    "offline.icon",
}


@bp.before_app_request
def one_time_code_must_be_changed():
    """Someone who logged in with a one-time code (a login card, a reset) sets their own password before
    anything else: every page sends them to the password page, the API answers 403."""
    if request.endpoint in OPEN_WITH_ONE_TIME_CODE or request.endpoint is None:
        return None
    if not (current_user.is_authenticated and current_user.password_is_temporary):
        return None
    message = _("You logged in with a one-time code: choose your own password first.")
    if request.path.startswith("/api/"):
        return jsonify({"error": "password_change_required", "message": message}), 403
    if request.headers.get("HX-Request"):
        return "", 204, {"HX-Redirect": url_for("auth.password")}
    return redirect(url_for("auth.password"), code=303)
