"""Write audit events alongside the change they describe (same transaction, no commit here), and for downloads."""

from flask import has_request_context, request
from flask_login import current_user

from fieldapp.extensions import db
from fieldapp.models import Area, AuditEvent

#: Actions that hand data out (audit_download's callers): the audit viewer's "downloads" filter.
DOWNLOAD_ACTIONS = (
    "backcheck.case_file",
    "report.export",
    "roster.export",
    "site.personal_export",
    "tags.print",
    "unvisited.export",
    "visits.export",
)
#: Actions that show or hand out a person's data: the audit viewer's "personal data" filter.
PERSONAL_DATA_ACTIONS = ("site.phone_read", "site.personal_export", "site.personal_erase", "backcheck.case_file")


def area_of(obj) -> int | None:
    """The id of the area an audited object belongs to, so the audit viewer can show a supervisor their own
    area's trail: an area itself; a household's or a visit's building; the area of a user, team, warning,
    event, report or tag; an API key's holder's. None for what belongs to no area (a setting, a key group):
    only admins read those."""
    if isinstance(obj, Area):
        return obj.id
    for name in ("building_id", "area_id"):
        value = getattr(obj, name, None)
        if isinstance(value, int):
            return value
    holder = getattr(obj, "user", None)  # e.g. an API key: the area of the person who holds it
    return area_of(holder) if holder is not None else None


def audit(action: str, obj, before: dict | None = None, after: dict | None = None, by=None) -> AuditEvent:
    """Record that the current user (or `by`, for work a queue worker does for them) did `action` to `obj`."""
    in_request = has_request_context()
    user_id = by.id if by is not None else current_user.id if in_request and current_user.is_authenticated else None
    event = AuditEvent(
        user_id=user_id,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=getattr(obj, "id", None),
        area_id=area_of(obj),
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
