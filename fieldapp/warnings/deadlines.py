"""A warning's clock: its deadlines, whether it is open, overdue or done, and the on-time rate of an area.

Every "now" of this package comes from `now()`, so a test can move time instead of waiting for a deadline.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import Area
from fieldapp.models.outreach import FraudWarning
from fieldapp.visits.clock import deployment_zone

#: The supervisor's list filters.
FILTERS = ("open", "overdue", "done", "withdrawn", "all")


def now() -> datetime:
    """The server's time (naive UTC), the one clock deadlines are measured with."""
    return utcnow()


def deadlines(received_at: datetime) -> tuple[datetime, datetime]:
    """(call due, face-to-face due) for a warning received at `received_at`, by today's settings."""
    config = current_app.config
    return (
        received_at + timedelta(minutes=config["WARNING_CALL_MINUTES"]),
        received_at + timedelta(hours=config["WARNING_VISIT_HOURS"]),
    )


def local_day(moment: datetime) -> date:
    """The local day of a naive-UTC moment: the day a warning counts for."""
    return moment.replace(tzinfo=UTC).astimezone(deployment_zone()).date()


def counted():
    """SQL: the warning counts (received, on time, late, on Today): it was not withdrawn."""
    return FraudWarning.withdrawn_at.is_(None)


def is_done(warning: FraudWarning) -> bool:
    return warning.called_at is not None and warning.visited_at is not None


def overdue_steps(warning: FraudWarning, moment: datetime | None = None) -> list[str]:
    """The steps ("call", "visit") whose deadline has passed without them."""
    moment = moment or now()
    late = []
    if warning.called_at is None and moment > warning.call_due_at:
        late.append("call")
    if warning.visited_at is None and moment > warning.visit_due_at:
        late.append("visit")
    return late


def past_due(moment: datetime):
    """SQL: overdue_steps is not empty at `moment` (a deadline passed, its step undone)."""
    return or_(
        and_(FraudWarning.called_at.is_(None), FraudWarning.call_due_at < moment),
        and_(FraudWarning.visited_at.is_(None), FraudWarning.visit_due_at < moment),
    )


def is_overdue(warning: FraudWarning, moment: datetime | None = None) -> bool:
    return bool(overdue_steps(warning, moment))


def next_step(warning: FraudWarning) -> str | None:
    """The step to do next: the call first, then the face-to-face visit; None when both are done."""
    if warning.called_at is None:
        return "call"
    if warning.visited_at is None:
        return "visit"
    return None


def next_due(warning: FraudWarning) -> datetime | None:
    step = next_step(warning)
    return None if step is None else warning.call_due_at if step == "call" else warning.visit_due_at


def minutes_left(warning: FraudWarning, moment: datetime | None = None) -> int | None:
    """Whole minutes until the next step's deadline (negative: that long overdue); None when done."""
    due = next_due(warning)
    if due is None:
        return None
    return int((due - (moment or now())).total_seconds() // 60)


def timeliness(warning: FraudWarning, moment: datetime | None = None) -> str:
    """ "on_time" when both steps were done by their deadlines; "late" when a step was done late or its deadline
    passed undone; "pending" while neither (the deadlines still ahead)."""
    moment = moment or now()
    steps = ((warning.called_at, warning.call_due_at), (warning.visited_at, warning.visit_due_at))
    if any((done is not None and done > due) or (done is None and moment > due) for done, due in steps):
        return "late"
    if all(done is not None for done, _due in steps):
        return "on_time"
    return "pending"


@dataclass
class WarningFigures:
    received: int = 0
    on_time: int = 0
    late: int = 0
    pending: int = 0

    @property
    def rate(self) -> float | None:
        """On time of those decided (on time or late), in percent; None before any is."""
        decided = self.on_time + self.late
        return 100 * self.on_time / decided if decided else None

    def add(self, kind: str) -> None:
        self.received += 1
        setattr(self, kind, getattr(self, kind) + 1)


@dataclass
class AreaWarnings:
    area: Area
    figures: WarningFigures = field(default_factory=WarningFigures)


def warning_figures(area: Area, parts: list[Area], first_day: date | None, last_day: date | None):
    """(figures of `area`, [AreaWarnings of each part, best on-time rate first]) for warnings received between
    the two days (either open). Warnings are few (tens a week per station): read once, counted here."""
    query = (
        select(FraudWarning, Area.path).join(Area, Area.id == FraudWarning.area_id).where(Area.within(area), counted())
    )
    if first_day is not None:
        query = query.where(FraudWarning.day >= first_day)
    if last_day is not None:
        query = query.where(FraudWarning.day <= last_day)
    total = WarningFigures()
    rows = [AreaWarnings(part) for part in parts]
    moment = now()
    for warning, path in db.session.execute(query):
        kind = timeliness(warning, moment)
        total.add(kind)
        for row in rows:
            if path.startswith(row.area.path):
                row.figures.add(kind)
    ranked = sorted(
        (row for row in rows if row.figures.received),
        key=lambda row: (-(row.figures.rate if row.figures.rate is not None else -1), row.area.name),
    )
    return total, ranked
