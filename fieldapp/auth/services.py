"""Account writes a user makes for themselves: ending their sessions, changing their password. Each is audited
where it changes something worth a trace; the caller commits."""

import secrets
from functools import cache

from flask import current_app, g, session
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from fieldapp.audit import audit
from fieldapp.extensions import db
from fieldapp.limits import PASSWORD_MAX, PASSWORD_MIN
from fieldapp.models import User
from fieldapp.refusals import Refused


@cache
def dummy_hash(method: str) -> str:
    """A hash made the way real ones are, checked when the username is unknown, so that "no such user"
    takes as long as "wrong password" (measured before: 7 ms against 173 ms, which named every account)."""
    return generate_password_hash("not-anyones-password", method=method)


def authenticate(username: str, password: str) -> User | None:
    """The active account with this username and password, else None; always one password check."""
    username = username.strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.username) == username))
    if user is None:
        check_password_hash(dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def renew_csrf_token() -> None:
    """A new CSRF token from now on: one handed out before login (perhaps planted) stops working. Made here, in the
    answer that logs in, because the next page and the service worker's precache load side by side: each would make
    its own, and the session cookie answered last would refuse the other page's forms (400)."""
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)
    generate_csrf()


def end_sessions(user: User) -> None:
    """Every session and remember-me cookie of `user` made until now opens nothing any more."""
    user.session_version = (user.session_version or 0) + 1


def check_new_password(password: str, field: str = "password") -> None:
    """The one rule for a new password, wherever it is set (admin form, `create-user`, own change)."""
    if len(password) < PASSWORD_MIN:
        raise Refused(_l("At least %(n)d characters.", n=PASSWORD_MIN), field=field)
    if len(password) > PASSWORD_MAX:
        raise Refused(_l("At most %(n)d characters.", n=PASSWORD_MAX), field=field)


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; every other session of the user ends."""
    if not user.check_password(current):
        raise Refused(_l("This is not your current password."), field="current_password")
    check_new_password(new, field="new_password")
    if user.check_password(new):
        raise Refused(_l("Choose a password other than the current one."), field="new_password")
    user.set_password(new)
    user.password_is_temporary = False  # their own now: the one-time code no longer holds them on this page
    end_sessions(user)
    audit("user.password_change", user, after={"username": user.username})


#: One-time codes are typed from paper: no 0/O, 1/I/l.
ONE_TIME_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def issue_one_time_password(user: User, issued_by: User | None) -> str:
    """Give `user` a fresh one-time code as their password (for a login card or a reset) and return it.

    The code is shown once (printed or read out), stored only as a hash like any password, and must be changed
    at the first login (`password_is_temporary`). Every session and API key use of the old password ends.
    The caller commits.
    """
    code = "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(PASSWORD_MIN))
    user.set_password(code)
    user.password_is_temporary = True
    end_sessions(user)
    audit(
        "user.one_time_password",
        user,
        after={"username": user.username, "by": issued_by.username if issued_by else None},
    )
    return code
