"""API tokens: issued to one user by an admin, shown once, stored only as a hash, revocable."""

import hashlib
import secrets

from flask import Request, g

from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import ApiToken, User

#: Every token starts with this, so a leaked one is easy to recognise in logs and code.
TOKEN_PREFIX = "fa_"  # noqa: S105 (a prefix, not a secret)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str, issued_by: User) -> tuple[ApiToken, str]:
    """A new token for `user`; the plain text is returned once and never stored. The caller commits."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name, token_hash=hash_token(plain), prefix=plain[:8], created_by_id=issued_by.id
    )
    db.session.add(token)
    db.session.flush()
    audit("api_token.issue", token, after={"user": user.username, "name": name, "prefix": token.prefix})
    return token, plain


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
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    g.api_token = token
    return token.user
