"""The platform's warning feed (POST /api/v1/warnings): one 预警 or a list, all or nothing, stored once per
external id and routed by the same code as a file's rows (warnings.imports.store_warnings)."""

from flask_babel import gettext as _
from pydantic import ValidationError

from fieldapp.api.requests import problems
from fieldapp.api.responses import WarningOut, WarningsStored
from fieldapp.api.submit import invalid_body
from fieldapp.api.warning_requests import WarningIn
from fieldapp.extensions import db
from fieldapp.limits import BATCH_LIMIT
from fieldapp.models import User
from fieldapp.warnings.imports import problems_of, store_warnings
from fieldapp.warnings.services import WarningInput

#: What a warning's `source` says when the feed leaves it out.
SOURCE_DEFAULT = "feed"


def receive_warnings(payload, by: User) -> tuple[int, dict]:
    """(status, body): 201 when any warning was stored now, 200 when every one was stored before (a retry),
    422 with a message per field (`phone`, or `2.phone` for the third of a list) and nothing stored."""
    if isinstance(payload, dict):
        sent, label = [payload], lambda _position, name: name
    elif isinstance(payload, list) and 1 <= len(payload) <= BATCH_LIMIT:
        sent, label = payload, lambda position, name: f"{position}.{name}"
    else:
        return 422, invalid_body(
            {"body": _("Send one warning as a JSON object, or a list of 1 to %(n)d.", n=BATCH_LIMIT)}
        )
    fields, positions, items = {}, [], []
    for position, item in enumerate(sent):
        try:
            warning = WarningIn.model_validate(item)
        except ValidationError as error:
            fields.update({label(position, name): text for name, text in problems(error, WarningIn).items()})
            continue
        positions.append(position)
        items.append(
            WarningInput(
                external_id=warning.external_id,
                received_at=warning.received_at,
                phone=warning.phone or "",
                address=warning.address,
                category=warning.category,
                source=warning.source or SOURCE_DEFAULT,
                area=by.area,
                door_code=warning.door_code or "",
            )
        )
    if fields:  # every problem at once: the rules of those whose shape was right, too
        for index, found in problems_of(items, by).items():
            fields.update({label(positions[index], name): str(text) for name, text in found.items()})
        return 422, invalid_body(fields)
    stored, refused = store_warnings(items, by)
    if refused:
        db.session.rollback()
        return 422, invalid_body(
            {label(position, name): text for position, found in refused.items() for name, text in found.items()}
        )
    db.session.commit()
    created = sum(created for _warning, created in stored)
    body = WarningsStored(created=created, warnings=[WarningOut.of(warning, new) for warning, new in stored])
    return (201 if created else 200), body.body()
