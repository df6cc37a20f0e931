"""A warning's life: it arrives once per external id (typed, imported or fed), is routed and assigned, and
each follow-up step is recorded once per client id. Callers commit (or roll back)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp.audit import audit
from fieldapp.database import add_once
from fieldapp.extensions import db
from fieldapp.limits import INT32_MAX, NOTE_MAX
from fieldapp.models import Area, User
from fieldapp.models.outreach import STEP_RESULTS, FraudWarning, WarningStep
from fieldapp.permissions import may_follow_up_warning
from fieldapp.refusals import Refused
from fieldapp.warnings.deadlines import deadlines, local_day, now
from fieldapp.warnings.routing import find_household, phone_digits, responsible_person

#: The results each step may have: a call reaches the person or not; a face-to-face visit is done, refused, or
#: the person is not found.
RESULTS = {"call": ("reached", "not_reached"), "visit": ("done", "refused", "not_found")}
assert set(RESULTS["call"] + RESULTS["visit"]) == set(STEP_RESULTS)
#: A warning received this far in the future is a typo (or a clock set wrong), not a warning.
MAX_AHEAD = timedelta(minutes=10)
#: Column sizes of fraud_warnings.
FIELD_MAX = {"external_id": 64, "address": 200, "category": 40, "source": 40}


@dataclass
class WarningInput:
    """One warning as entered, imported or fed. `received_at` is naive UTC; `area` is where it goes when
    no household is found (the importer's pick); `assigned_to` overrides the building's responsible person."""

    external_id: str
    received_at: datetime | None
    phone: str = ""
    address: str = ""
    category: str = ""
    source: str = ""
    area: Area | None = None
    assigned_to: User | None = None


def warning_problems(data: WarningInput, by: User) -> dict[str, str]:
    """What is wrong with a warning before anything is written: {field: message in the user's language}."""
    problems = {}
    if not data.external_id.strip():
        problems["external_id"] = _l("Enter the warning's number.")
    for name, limit in FIELD_MAX.items():
        if len(getattr(data, name) or "") > limit:
            problems[name] = _l("At most %(max)d characters.", max=limit)
    if data.received_at is None:
        problems["received_at"] = _l("Enter when the warning was received, e.g. 2026-03-04 09:00.")
    elif data.received_at > now() + MAX_AHEAD:
        problems["received_at"] = _l("The time received is in the future.")
    digits = phone_digits(data.phone)
    if data.phone.strip() and not 7 <= len(digits) <= 20:
        problems["phone"] = _l("Enter a phone number of 7 to 20 digits, or leave it empty.")
    if data.area is None or not by.can_see(data.area):
        problems["area"] = _l("Choose an area inside yours.")
    elif data.assigned_to is not None and not data.assigned_to.can_see(data.area):
        problems["assigned_to"] = _l("Choose a person of that area.")
    return problems


def stored_warning(external_id: str) -> FraudWarning | None:
    return db.session.scalar(select(FraudWarning).where(FraudWarning.external_id == external_id.strip()))


def create_warning(data: WarningInput, by: User) -> tuple[FraudWarning, bool]:
    """Store a warning once: the same external id again returns the one stored, unchanged. Returns (warning,
    created). Raises Refused with the problems, writing nothing. The caller commits."""
    existing = stored_warning(data.external_id)
    if existing is not None:
        return existing, False
    problems = warning_problems(data, by)
    if problems:
        raise Refused(problems)
    phone = phone_digits(data.phone) or None
    site = find_household(by.area, phone, data.address.strip())
    area, assignee = data.area, data.assigned_to
    if site is not None:
        area = site.building.parent  # the household's grid
        if assignee is None or not assignee.can_see(area):
            assignee = responsible_person(site.building)
    call_due, visit_due = deadlines(data.received_at)
    warning = FraudWarning(
        external_id=data.external_id.strip(),
        received_at=data.received_at,
        day=local_day(data.received_at),
        phone=phone,
        address=data.address.strip(),
        category=data.category.strip(),
        source=data.source.strip(),
        site_id=site.id if site else None,
        area_id=area.id,
        assigned_to_id=assignee.id if assignee else None,
        call_due_at=call_due,
        visit_due_at=visit_due,
        created_by_id=by.id,
    )
    if not add_once(warning):  # the same external id stored by another request meanwhile
        return stored_warning(data.external_id), False
    audit(
        "warning.create", warning, after={"external_id": warning.external_id, "area": area.id, "site": warning.site_id}
    )
    return warning, True


def route_warning(warning: FraudWarning, area: Area, assignee: User | None, by: User) -> None:
    """A supervisor routes a warning: to an area inside theirs, and a person of that area (or nobody)."""
    if not by.can_see(area):
        raise Refused(_l("Choose an area inside yours."), "area")
    if assignee is not None and not (assignee.is_active and assignee.can_see(area) and by.can_see(assignee.area)):
        raise Refused(_l("Choose a person of that area."), "assigned_to")
    before = {"area": warning.area_id, "assigned_to": warning.assigned_to_id}
    warning.area_id, warning.assigned_to_id = area.id, assignee.id if assignee else None
    audit("warning.route", warning, before=before, after={"area": area.id, "assigned_to": warning.assigned_to_id})


@dataclass
class StepInput:
    step: str
    result: str
    note: str = ""
    money_stopped: bool | None = None
    amount_stopped: int | None = None
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None


def record_step(user: User, warning: FraudWarning, data: StepInput, client_uuid: str) -> tuple[WarningStep, bool]:
    """Record a follow-up step once per client_uuid (a double tap or a resend changes nothing). The first step of
    each kind sets the warning's called_at / visited_at. Returns (step, created); the caller commits."""
    existing = db.session.scalar(select(WarningStep).where(WarningStep.client_uuid == client_uuid))
    if existing is not None:
        if existing.warning_id != warning.id:
            raise Refused(_l("This form is damaged. Reload the page and record the step again."))
        return existing, False
    if not may_follow_up_warning(user, warning):
        raise Refused(_l("This warning is assigned to someone else."))
    if data.result not in RESULTS.get(data.step, ()):
        raise Refused(_l("Choose what happened."), "result")
    if len(data.note) > NOTE_MAX:
        raise Refused(_l("At most %(max)d characters.", max=NOTE_MAX), "note")
    if data.amount_stopped is not None and not 0 <= data.amount_stopped <= INT32_MAX:
        raise Refused(_l("Enter the amount in yuan, a whole number."), "amount_stopped")
    # One writer at a time per warning: two phones recording the first call must not both set called_at.
    warning = db.session.scalar(select(FraudWarning).where(FraudWarning.id == warning.id).with_for_update())
    moment = now()
    step = WarningStep(
        client_uuid=client_uuid,
        warning_id=warning.id,
        user_id=user.id,
        step=data.step,
        result=data.result,
        note=data.note.strip(),
        lat=data.lat,
        lon=data.lon,
        accuracy_m=data.accuracy_m,
        done_at=moment,
    )
    if not add_once(step):
        return db.session.scalar(select(WarningStep).where(WarningStep.client_uuid == client_uuid)), False
    if data.step == "call" and warning.called_at is None:
        warning.called_at = moment
    if data.step == "visit" and warning.visited_at is None:
        warning.visited_at = moment
    if data.money_stopped is not None:
        warning.money_stopped = data.money_stopped
    if data.amount_stopped is not None:
        warning.amount_stopped = data.amount_stopped
    return step, True


def warning_steps(warning: FraudWarning) -> list[WarningStep]:
    return list(
        db.session.scalars(select(WarningStep).where(WarningStep.warning_id == warning.id).order_by(WarningStep.id))
    )
