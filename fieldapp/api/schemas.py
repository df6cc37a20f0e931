"""Reading a visit sent as JSON: strict types, and every problem reported against its field."""

import math
import uuid
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l

from fieldapp.limits import ACCURACY_RANGE, LAT_RANGE, LON_RANGE, MAX_COUNT, NOTE_MAX, TAG_MAX
from fieldapp.models import OUTCOMES, VISIT_COUNTS
from fieldapp.visits.rules import VisitInput

BOOLEANS = ("notice_signed", "receipt_collected")
COORDINATES = {"lat": LAT_RANGE, "lon": LON_RANGE, "accuracy_m": ACCURACY_RANGE}
TIMES = {"device_time": "device_time", "sent_at": "sent_time"}
FIELDS = {"client_uuid", "tag", "outcome", "note", *VISIT_COUNTS, *BOOLEANS, *COORDINATES, *TIMES}


class Invalid(ValueError):
    """The request cannot be read; `fields` says what is wrong with each field, in the user's language."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


def parse_time(value) -> datetime:
    """An ISO 8601 moment with its offset, as naive UTC (what every DateTime column stores)."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("no offset")
    return moment.astimezone(UTC).replace(tzinfo=None)


def parse_visit(payload) -> tuple[str, str, VisitInput]:
    """(client_uuid, tag token, VisitInput) from one visit object, or Invalid with a message per field."""
    if not isinstance(payload, dict):
        raise Invalid({"body": _l("Send one visit as a JSON object.")})
    problems: dict[str, str] = {}
    for name in sorted(set(payload) - FIELDS):
        problems[name] = _l("Unknown field.")

    client_uuid = payload.get("client_uuid")
    try:
        client_uuid = str(uuid.UUID(client_uuid)) if isinstance(client_uuid, str) else None
    except ValueError:
        client_uuid = None
    if client_uuid is None:
        problems["client_uuid"] = _l("A UUID made on the phone when the visit was recorded is required.")

    tag = payload.get("tag")
    if not isinstance(tag, str) or not 0 < len(tag) <= TAG_MAX:
        problems["tag"] = _l("The door tag's token is required.")

    outcome = payload.get("outcome")
    if outcome not in OUTCOMES:
        problems["outcome"] = _l("Choose what happened at the door.")

    values: dict = {}
    for name in VISIT_COUNTS:
        value = payload.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            problems[name] = _l("Enter a whole number from 0 to %(max)d.", max=MAX_COUNT)
        values[name] = value
    for name in BOOLEANS:
        value = payload.get(name, False)
        if not isinstance(value, bool):
            problems[name] = _l("Must be true or false.")
        values[name] = value
    note = payload.get("note", "")
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        problems["note"] = _l("A note is text of at most %(max)d characters.", max=NOTE_MAX)
    values["note"] = note.strip() if isinstance(note, str) else ""
    for name, (low, high) in COORDINATES.items():
        value = payload.get(name)
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not low <= value <= high
        ):
            problems[name] = _l("The location is outside the valid range.")
        values[name] = float(value) if value is not None and name not in problems else None
    for name, attribute in TIMES.items():
        value = payload.get(name)
        try:
            values[attribute] = None if value is None else parse_time(value)
        except (TypeError, ValueError, OverflowError):
            problems[name] = _l("A date and time with its offset, e.g. 2026-11-23T09:30:00+08:00.")
    if problems:
        raise Invalid(problems)
    return client_uuid, tag, VisitInput(outcome=outcome, **values)


def visit_json(visit) -> dict:
    """A stored visit as the API shows it."""
    return {
        "id": visit.id,
        "client_uuid": visit.client_uuid,
        "site_id": visit.site_id,
        "outcome": visit.outcome,
        **{name: getattr(visit, name) for name in VISIT_COUNTS},
        "notice_signed": visit.notice_signed,
        "receipt_collected": visit.receipt_collected,
        "note": visit.note,
        "day": visit.day.isoformat(),
        "device_time": iso(visit.device_time),
        "server_time": iso(visit.server_time),
        "clock_skewed": visit.clock_skewed,
        "gps_flags": visit.gps_flags,
        "distance_m": visit.distance_m,
        "review_status": visit.review_status,
        "counts_in_tallies": visit.counts_in_tallies,
    }


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
