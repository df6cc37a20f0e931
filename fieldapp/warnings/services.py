"""A warning's life: it arrives once per external id (typed, imported or fed), is routed and assigned, and
each follow-up step is recorded once per client id. Callers commit (or roll back)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp.audit import audit
from fieldapp.database import add_all_once, add_once
from fieldapp.extensions import db
from fieldapp.limits import INT32_MAX, NOTE_MAX, WARNING_FIELD_MAX, WARNING_PHONE_DIGITS
from fieldapp.models import Area, User
from fieldapp.models.outreach import STEP_RESULTS, FraudWarning, WarningStep
from fieldapp.permissions import may_follow_up_warning
from fieldapp.refusals import Refused
from fieldapp.warnings.deadlines import deadlines, local_day, now, overdue_steps
from fieldapp.warnings.routing import Lookups, phone_digits

#: The results each step may have: a call reaches the person or not; a face-to-face visit is done, refused, or
#: the person is not found.
RESULTS = {"call": ("reached", "not_reached"), "visit": ("done", "refused", "not_found")}
assert set(RESULTS["call"] + RESULTS["visit"]) == set(STEP_RESULTS)
#: A warning received this far in the future is a typo (or a clock set wrong), not a warning.
MAX_AHEAD = timedelta(minutes=10)
FIELD_MAX = WARNING_FIELD_MAX


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
    #: The door tag's short code, when the sender knows the household (the feed may).
    door_code: str = ""


def detail_problems(phone: str, address: str, category: str) -> dict[str, str]:
    """What is wrong with the facts a supervisor may correct later: the phone, the address, the category."""
    problems = {}
    for name, value in (("address", address), ("category", category)):
        if len(value or "") > FIELD_MAX[name]:
            problems[name] = _l("At most %(max)d characters.", max=FIELD_MAX[name])
    shortest, longest = WARNING_PHONE_DIGITS
    if phone.strip() and not shortest <= len(phone_digits(phone)) <= longest:
        problems["phone"] = _l("Enter a phone number of 7 to 20 digits, or leave it empty.")
    return problems


def lookups_for(items: list[WarningInput], by: User) -> Lookups:
    """What routing `items` reads, read once for them all."""
    return Lookups(
        by,
        numbers=[item.external_id for item in items],
        codes=[item.door_code for item in items if item.door_code],
        phones=[phone_digits(item.phone) for item in items],
        addresses=[item.address for item in items],
    )


def warning_problems(data: WarningInput, by: User, lookups: Lookups | None = None) -> dict[str, str]:
    """What is wrong with a warning before anything is written: {field: message in the user's language}."""
    lookups = lookups or lookups_for([data], by)
    problems = detail_problems(data.phone, data.address, data.category)
    if not data.external_id.strip():
        problems["external_id"] = _l("Enter the warning's number.")
    for name in ("external_id", "source"):
        if len(getattr(data, name) or "") > FIELD_MAX[name]:
            problems[name] = _l("At most %(max)d characters.", max=FIELD_MAX[name])
    if data.received_at is None:
        problems["received_at"] = _l("Enter when the warning was received, e.g. 2026-03-04 09:00.")
    elif data.received_at > now() + MAX_AHEAD:
        problems["received_at"] = _l("The time received is in the future.")
    stored = lookups.stored_warning(data.external_id) if data.external_id.strip() else None
    if stored is not None and not by.can_see(stored.area):  # never answer, nor skip, another area's warning
        problems["external_id"] = _l("This number belongs to a warning outside your area.")
    if data.door_code and lookups.door_household(data.door_code) is None:
        problems["door_code"] = _l("No door tag has this code, or it is not in your area.")
    if data.area is None or not by.can_see(data.area):
        problems["area"] = _l("Choose an area inside yours.")
    elif data.assigned_to is not None and not data.assigned_to.can_see(data.area):
        problems["assigned_to"] = _l("Choose a person of that area.")
    return problems


def stored_warning(external_id: str) -> FraudWarning | None:
    return db.session.scalar(select(FraudWarning).where(FraudWarning.external_id == external_id.strip()))


def create_warning(data: WarningInput, by: User) -> tuple[FraudWarning, bool]:
    """Store one warning: create_warnings of a batch of one."""
    return create_warnings([data], by)[0]


def create_warnings(
    items: list[WarningInput], by: User, lookups: Lookups | None = None
) -> list[tuple[FraudWarning, bool]]:
    """Store each warning once: a number stored before (or earlier in `items`) returns the one stored, unchanged.
    Each is routed to the household its door code, phone or address finds (from `lookups`, read once for the
    batch), and all are inserted together. Returns [(warning, created)] in order. Raises Refused with the first
    warning's problems, writing nothing. The caller commits."""
    lookups = lookups or lookups_for(items, by)
    answers, new = [], []
    for data in items:
        existing = lookups.stored_warning(data.external_id)
        if existing is not None and by.can_see(existing.area):
            answers.append((existing, False))
            continue
        problems = warning_problems(data, by, lookups)  # a number stored outside `by`'s area is refused here
        if problems:
            raise Refused(problems)
        phone = phone_digits(data.phone) or None
        site = lookups.door_household(data.door_code) if data.door_code else None
        site = site or lookups.find_household(phone, data.address.strip())
        area, assignee = lookups.route(site, data.area, data.assigned_to)
        call_due, visit_due = deadlines(data.received_at)
        warning = FraudWarning(
            external_id=data.external_id.strip(),
            received_at=data.received_at,
            day=local_day(data.received_at),
            phone=phone,
            address=data.address.strip(),
            category=data.category.strip(),
            source=data.source.strip(),
            site=site,
            area=area,
            assigned_to=assignee,
            call_due_at=call_due,
            visit_due_at=visit_due,
            created_by_id=by.id,
        )
        lookups.stored[warning.external_id] = warning  # the same number again in the batch answers with it
        answers.append((warning, True))
        new.append(warning)
    if new and not add_all_once(new):  # a number stored by another request meanwhile: each on its own
        taken = {w.external_id: stored_warning(w.external_id) for w in new if not add_once(w)}
        answers = [(taken.get(w.external_id, w), created and w.external_id not in taken) for w, created in answers]
    for warning, created in answers:
        if created:
            after = {"external_id": warning.external_id, "area": warning.area_id, "site": warning.site_id}
            audit("warning.create", warning, after=after)
    return answers


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
    if warning.withdrawn_at is not None:
        raise Refused(_l("This warning was withdrawn: nothing more to record."))
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
    if warning.late_seen_at is None and overdue_steps(warning, moment):  # late between two runs of the schedule
        warning.late_seen_at = moment
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
