"""One visit sent as JSON, stored once: shared by the API and the import of a phone's saved outbox."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from pydantic import ValidationError

from fieldapp.access import tag_with_door
from fieldapp.api.requests import VisitIn, problems
from fieldapp.api.responses import Conflict, Error, Invalid, Recorded, VisitOut
from fieldapp.database import commit_keeping_loaded
from fieldapp.extensions import db
from fieldapp.models import User
from fieldapp.visits.rules import VisitConflict, VisitInput, VisitRefused
from fieldapp.visits.services import record_visit

PROGRAM_FIELD = re.compile(r"^program_\d+$")


def submit(payload, recorder: User, imported_by: User | None = None) -> tuple[int, dict]:
    """Store one visit through the same service as the door page, in its own transaction.

    `recorder` is who knocked: the signed-in user, or the volunteer whose saved outbox a
    supervisor imports. The door must lie in both their areas. `imported_by` is that supervisor:
    a visit it creates carries their name (Visit.imported_by), shown in the daily log and the door's history.
    """
    try:
        sent = VisitIn.model_validate(payload)
    except ValidationError as error:
        return 422, invalid_body(problems(error, VisitIn))
    tag = tag_with_door(sent.tag)
    area = tag.place if tag else None
    if area is None or not current_user.can_see(area) or not recorder.can_see(area):
        return 404, Error(error="not_found", message=_("No such door tag in your area.")).body()
    if tag.site is None:
        return 422, invalid_body({"tag": _("This tag is not on a door yet: scan it and choose the room first.")})
    # A visit on a tag retired since the phone saved it still happened at that door: it is kept.
    try:
        visit, created = record_visit(recorder, tag.site, visit_input(sent), str(sent.client_uuid))
        if created and imported_by is not None:
            visit.imported_by_id = imported_by.id
    except VisitRefused as refused:
        db.session.rollback()
        # The door form names a program's count program_<id>; the API has them all in `program_regs`.
        fields = {"program_regs" if PROGRAM_FIELD.match(key) else key: text for key, text in refused.problems.items()}
        return 422, invalid_body(fields)
    except VisitConflict as conflict:
        db.session.rollback()
        stored = conflict.visit
        body = Conflict(
            error="conflict", message=_("This client_uuid already recorded a different visit; it was not changed.")
        )
        if current_user.can_see(stored.building):
            body.visit = VisitOut.model_validate(stored)
        return 409, body.body()
    # The answer shows the visit as this transaction wrote (or found) it, its door locked: read nothing again.
    commit_keeping_loaded()
    return (201 if created else 200), Recorded(created=created, visit=VisitOut.model_validate(visit)).body()


def visit_input(sent: VisitIn) -> VisitInput:
    """What the visit services take: the request without its envelope (uuid, tag), sent_at renamed."""
    values = sent.model_dump(exclude={"client_uuid", "tag", "sent_at"})
    values["program_regs"] = {int(key): regs for key, regs in sent.program_regs.items()}
    data = VisitInput(**values, sent_time=sent.sent_at)
    if data.program_regs and sent.miniprogram_regs not in (0, data.miniprogram_regs):
        raise VisitRefused({"miniprogram_regs": _l("Leave it out, or send the sum of program_regs.")})
    return data


def invalid_body(fields: dict) -> dict:
    message = _("Some fields are not valid; nothing was stored.")
    return Invalid(error="invalid", message=message, fields={name: str(text) for name, text in fields.items()}).body()
