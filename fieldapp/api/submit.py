"""One visit sent as JSON, stored once: shared by the API and the import of a phone's saved outbox."""

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from fieldapp.api.schemas import Invalid, parse_visit, visit_json
from fieldapp.extensions import db
from fieldapp.models import Tag, User
from fieldapp.visits.rules import VisitConflict, VisitRefused
from fieldapp.visits.services import record_visit


def submit(payload, recorder: User) -> tuple[int, dict]:
    """Store one visit through the same service as the door page, in its own transaction.

    `recorder` is who knocked: the signed-in user, or the volunteer whose saved outbox a
    supervisor imports. The door must lie in both their areas.
    """
    try:
        client_uuid, token, data = parse_visit(payload)
    except Invalid as invalid:
        return 422, invalid_body(invalid.fields)
    tag = db.session.scalar(select(Tag).where(Tag.token == token))
    area = tag.place if tag else None
    if area is None or not current_user.can_see(area) or not recorder.can_see(area):
        return 404, {"error": "not_found", "message": _("No such door tag in your area.")}
    if tag.site is None:
        return 422, invalid_body({"tag": _("This tag is not on a door yet: scan it and choose the room first.")})
    # A visit on a tag retired since the phone saved it still happened at that door: it is kept.
    try:
        visit, created = record_visit(recorder, tag.site, data, client_uuid)
    except VisitRefused as refused:
        db.session.rollback()
        return 422, invalid_body(refused.problems)
    except VisitConflict as conflict:
        db.session.rollback()
        stored = conflict.visit
        body = {
            "error": "conflict",
            "message": _("This client_uuid already recorded a different visit; it was not changed."),
        }
        if current_user.can_see(stored.building):
            body["visit"] = visit_json(stored)
        return 409, body
    db.session.commit()
    return (201 if created else 200), {"created": created, "visit": visit_json(visit)}


def invalid_body(fields: dict) -> dict:
    return {
        "error": "invalid",
        "message": _("Some fields are not valid; nothing was stored."),
        "fields": {name: str(message) for name, message in fields.items()},
    }
