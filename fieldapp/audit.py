"""Write audit events alongside the change they describe (same transaction, no commit here), and for downloads."""

from flask import has_request_context, request
from flask_login import current_user

from fieldapp.extensions import db
from fieldapp.models import AuditEvent


def audit(action: str, obj, before: dict | None = None, after: dict | None = None) -> AuditEvent:
    """Record that the current user did `action` to `obj` (a model instance with an id)."""
    in_request = has_request_context()
    user_id = current_user.id if in_request and current_user.is_authenticated else None
    event = AuditEvent(
        user_id=user_id,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=getattr(obj, "id", None),
        before=before,
        after=after,
        ip=request.remote_addr if in_request else None,
    )
    db.session.add(event)
    return event


def audit_download(action: str, obj, after: dict | None = None) -> None:
    """Audit what a GET hands out (an export) and commit it.

    On SQLite the GET has read inside a deferred transaction, which cannot turn into a writer if
    another worker wrote meanwhile ("database is locked" at once, no waiting). So the read
    transaction ends first, and the event goes into a fresh one that waits for the write lock.
    """
    event = audit(action, obj, after=after)  # made while who and what are still loaded
    db.session.expunge(event)
    db.session.close()  # keeps loaded objects usable (detached), unlike rollback, which expires them
    db.session.add(event)
    db.session.commit()
