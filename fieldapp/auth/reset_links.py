"""One-time password-reset links (一次性重置链接): an admin gives one for an account, its holder opens it and sets
a new password. The link is signed (itsdangerous, the app's secret and its own salt) and holds only the account's
id and a fingerprint of its password hash and session version, nothing personal. So it expires
(RESET_LINK_HOURS), works once (using it changes the hash), and dies when the password is changed or the account
is deactivated meanwhile (either changes the fingerprint). Nothing is stored: nothing to clean up or leak.
"""

import hashlib

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from fieldapp.audit import audit
from fieldapp.auth.services import check_new_password, end_sessions
from fieldapp.extensions import db
from fieldapp.models import User
from fieldapp.refusals import Refused

SALT = "fieldapp.password-reset-link"


def serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def fingerprint(user: User) -> str:
    """Changes whenever the password or the session version does (a reset, a change, a deactivation)."""
    seed = f"{user.password_hash}|{user.session_version or 0}|{user.is_active_account}"
    return hashlib.sha256(seed.encode()).hexdigest()[:20]


def payload(user: User) -> dict:
    return {"u": user.id, "f": fingerprint(user)}


def issue_reset_link(user: User, issued_by: User) -> str:
    """The token of a new link for `user` (shown once to the admin who asked); audited with who issued it."""
    token = serializer().dumps(payload(user))
    audit(
        "user.reset_link",
        user,
        after={"username": user.username, "by": issued_by.username, "hours": max_age_hours()},
    )
    return token


def max_age_hours() -> int:
    return int(current_app.config["RESET_LINK_HOURS"])


def user_for_token(token: str) -> User | None:
    """The active account a still-good link is for, else None (bad signature, expired, used, or outdated)."""
    try:
        data = serializer().loads(token, max_age=max_age_hours() * 3600)
    except BadSignature:  # SignatureExpired included
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("f"), str):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.is_active or fingerprint(user) != data["f"]:
        return None
    return user


def reset_with_link(user: User, new: str) -> None:
    """Set the new password the link's holder chose (the one rule for new passwords); every session of the
    account ends, and the link with it. The caller commits."""
    check_new_password(new, field="new_password")
    if user.check_password(new):
        raise Refused(_l("Choose a password other than the current one."), field="new_password")
    user.set_password(new)
    user.password_is_temporary = False
    end_sessions(user)
    audit("user.reset_link_used", user, after={"username": user.username})
