"""API tokens: issued to one user by an admin, shown once, stored only as a hash, revocable."""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import Request, g
from flask_babel import lazy_gettext as _l

from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.limits import KEY_DAYS_DEFAULT
from fieldapp.models import ApiToken, User
from fieldapp.permissions import may_manage_warnings

#: Every token starts with this, so a leaked one is easy to recognise in logs and code.
TOKEN_PREFIX = "fa_"  # noqa: S105 (a prefix, not a secret)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: What a key may do (api_tokens.scope): "read" answers GETs only; "visits" also records visits; "warnings" (the
#: platform's feed, for a supervisor or admin) also posts warnings.
SCOPES = {
    "read": _l("Read: walk list and tallies"),
    "visits": _l("Visits: read, and record visits"),
    "warnings": _l("Warnings feed: read, and post warnings (预警)"),
}
#: The API endpoints each scope may write to; every other write answers 403.
SCOPE_WRITES = {
    "read": frozenset(),
    "visits": frozenset({"api.post_visit", "api.post_visits"}),
    "warnings": frozenset({"api.post_warnings"}),
}


def scopes_for(holder: User) -> dict:
    """The scopes a key for `holder` may carry: the warnings feed only for someone who may enter warnings."""
    return {scope: label for scope, label in SCOPES.items() if scope != "warnings" or may_manage_warnings(holder)}


def issue_token(
    user: User, name: str, issued_by: User, scope: str = "visits", days: int = KEY_DAYS_DEFAULT
) -> tuple[ApiToken, str]:
    """A new token for `user`, valid `days` days; the plain text is returned once and never stored.
    The caller commits (and has asked permissions.may_issue_key_for)."""
    if scope not in scopes_for(user):
        raise ValueError(f"scope {scope!r} is not for {user.role}")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(plain),
        prefix=plain[:8],
        created_by_id=issued_by.id,
        scope=scope,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    audit(
        "api_token.issue",
        token,
        after={"user": user.username, "name": name, "prefix": token.prefix, "scope": scope, "days": days},
    )
    return token, plain


def expires_at(token: ApiToken) -> datetime:
    """When the key stops opening anything; a key from before keys expired lasts KEY_DAYS_DEFAULT days."""
    return token.expires_at or token.created_at + timedelta(days=KEY_DAYS_DEFAULT)


def is_expired(token: ApiToken, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= expires_at(token)


def revoke_token(token: ApiToken) -> None:
    """From now on the token opens nothing. The caller commits."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit("api_token.revoke", token, before={"user": token.user.username, "name": token.name})


def user_from_bearer(request: Request) -> User | None:
    """Flask-Login's request loader: `Authorization: Bearer fa_...` on /api/ requests only."""
    if not request.path.startswith("/api/"):
        return None
    scheme, _, plain = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not plain.strip():
        return None
    token = db.session.query(ApiToken).filter_by(token_hash=hash_token(plain.strip())).one_or_none()
    if token is None or token.revoked_at is not None or is_expired(token) or not token.user.is_active:
        return None
    g.api_token = token
    return token.user
