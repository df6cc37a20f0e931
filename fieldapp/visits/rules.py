"""What may be recorded at a door: the submission, its business rules, and the ways a visit is refused."""

import hashlib
import json
from dataclasses import dataclass, field, fields
from datetime import datetime

from flask_babel import lazy_gettext as _l

from fieldapp.limits import (
    ACCURACY_RANGE,
    EXTRA_PEOPLE_ALLOWED,
    LAT_RANGE,
    LON_RANGE,
    UNDO_WINDOW,  # noqa: F401  (how long a volunteer may take back a visit; shared)
)
from fieldapp.models import OUTCOMES, VISIT_COUNTS, Site, Visit, archived_along
from fieldapp.refusals import Refused

#: What a correction may change: what happened at the door, not where or when.
CORRECTABLE_FIELDS = (
    "outcome",
    "people_reached",
    "app_installs",
    "realname_regs",
    "miniprogram_regs",
    "notice_signed",
    "receipt_collected",
    "note",
)


@dataclass
class VisitInput:
    """What the volunteer submitted, already parsed into Python types."""

    outcome: str
    people_reached: int = 0
    app_installs: int = 0
    realname_regs: int = 0
    miniprogram_regs: int = 0
    notice_signed: bool = False
    receipt_collected: bool = False
    note: str = ""
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    #: The phone's clock when the visit was recorded (naive UTC).
    device_time: datetime | None = None
    #: The phone's clock when it was sent: with the server's clock, it measures how wrong the phone's is.
    sent_time: datetime | None = None
    #: Registrations per mini-program id, when the district keeps a list; `miniprogram_regs` is then their sum.
    program_regs: dict[int, int] = field(default_factory=dict)

    def __post_init__(self):
        # Only what was counted: a program left at 0 is no registration (and no part of the content).
        self.program_regs = {int(key): value for key, value in self.program_regs.items() if value}
        if self.program_regs:
            self.miniprogram_regs = sum(self.program_regs.values())

    def content_hash(self, site: Site) -> str:
        """What identifies this submission: the same client_uuid must always come with the same hash."""
        content = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("sent_time", "program_regs")}
        content["site_id"] = site.id
        if self.program_regs:  # absent when there are none, so submissions from before the list hash as they did
            content["program_regs"] = {str(key): value for key, value in sorted(self.program_regs.items())}
        return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


#: What a stored visit takes from the submission as it came.
STORED_INPUT_FIELDS = [name for name in VisitInput.__dataclass_fields__ if name not in ("sent_time", "program_regs")]


class VisitRefused(Refused):
    """The visit breaks a rule; `problems` says which, per field."""


class VisitLocked(Refused):
    """This visit can no longer be changed this way (too late to undo, not yours to correct...)."""


class VisitConflict(Refused):
    """This client_uuid already stored a visit with other content (another door, other figures)."""

    def __init__(self, visit: Visit):
        super().__init__(
            {"client_uuid": _l("This client_uuid already recorded a different visit; it was not changed.")}
        )
        self.visit = visit


def within(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def program_field(program_id: int) -> str:
    """The door form's field for one mini-program's registrations (problems about it are named so)."""
    return f"program_{program_id}"


def visit_problems(site: Site, data: VisitInput, programs: frozenset[int] = frozenset()) -> dict[str, str]:
    """Business rules a visit must meet, as {field: message in the user's language}.

    `programs` are the mini-program ids a visit may count registrations in (the active ones, and on a
    correction those the visit already counts)."""
    problems: dict[str, str] = {}
    if (archived := archived_along(site.building)) is not None:
        # The one place this rule lives: the door page, the API, the outbox import and corrections all come here.
        return {
            "outcome": _l(
                "%(name)s is archived (demolished or merged): no visits are recorded there.", name=archived.name
            )
        }
    if data.outcome not in OUTCOMES:
        problems["outcome"] = _l("Choose what happened at the door.")
    # A shop, enterprise or school may count more than a household (its people are not its residents).
    most = site.count_max
    for name in VISIT_COUNTS:
        if not 0 <= getattr(data, name) <= most:
            problems[name] = _l("Enter a whole number from 0 to %(max)d.", max=most)
    for program_id, regs in data.program_regs.items():
        if program_id not in programs:
            problems[program_field(program_id)] = _l(
                "Mini-program %(id)s is not on the list, or was retired.", id=program_id
            )
        elif not 0 <= regs <= most:
            problems[program_field(program_id)] = _l("Enter a whole number from 0 to %(max)d.", max=most)
    if problems:
        return problems
    if data.outcome != "talked":
        for name in (*VISIT_COUNTS, "notice_signed", "receipt_collected"):
            if getattr(data, name):
                problems[name] = _l("Only a talk can reach people or install the app; choose “Talked”.")
        return problems
    if site.kind == "household" and data.people_reached > site.residents + EXTRA_PEOPLE_ALLOWED:
        problems["people_reached"] = _l(
            "More people than this household's %(residents)d residents plus %(extra)d.",
            residents=site.residents,
            extra=EXTRA_PEOPLE_ALLOWED,
        )
    for name in ("app_installs", "realname_regs", "miniprogram_regs"):
        if getattr(data, name) > data.people_reached:
            problems[name] = _l("Cannot be more than the people reached.")
    for program_id, regs in data.program_regs.items():
        if regs > data.people_reached:
            problems[program_field(program_id)] = _l("Cannot be more than the people reached.")
    if (data.lat is None) != (data.lon is None):
        problems["lat"] = _l("The location was incomplete.")
    elif data.lat is not None and not (within(data.lat, LAT_RANGE) and within(data.lon, LON_RANGE)):
        problems["lat"] = _l("The location is outside the valid range.")
    if data.accuracy_m is not None and not within(data.accuracy_m, ACCURACY_RANGE):
        problems["lat"] = _l("The location is outside the valid range.")
    return problems
