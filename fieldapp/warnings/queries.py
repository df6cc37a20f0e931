"""Lists of warnings: a person's open ones for Today, an area's for its supervisor."""

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from fieldapp.extensions import db
from fieldapp.models import Area, User
from fieldapp.models.outreach import FraudWarning
from fieldapp.warnings.deadlines import counted, minutes_left, next_due, next_step, now, past_due

#: The supervisor's list shows this many warnings at most (the newest).
LIST_LIMIT = 300


def is_open():
    """SQL: a step is still to do, and the warning was not withdrawn."""
    return and_(counted(), or_(FraudWarning.called_at.is_(None), FraudWarning.visited_at.is_(None)))


def my_open_warnings(user: User) -> list[FraudWarning]:
    """The open warnings assigned to `user`, the nearest deadline first (overdue ones thus on top)."""
    rows = db.session.scalars(
        select(FraudWarning)
        .where(FraudWarning.assigned_to_id == user.id, is_open())
        .options(joinedload(FraudWarning.area))
    ).all()
    return sorted(rows, key=next_due)


def area_warnings(area: Area, show: str) -> list[FraudWarning]:
    """The warnings inside `area`: "open", "overdue" (open and past a deadline), "done",
    "withdrawn", or "all" (withdrawn ones included, shown struck); newest first."""
    query = (
        select(FraudWarning)
        .join(Area, Area.id == FraudWarning.area_id)
        .where(Area.within(area))
        .options(joinedload(FraudWarning.area), joinedload(FraudWarning.assigned_to))
        .order_by(FraudWarning.received_at.desc(), FraudWarning.id.desc())
    )
    if show == "open":
        query = query.where(is_open())
    elif show == "overdue":  # in SQL, so the list limit never hides one
        query = query.where(is_open(), past_due(now()))
    elif show == "done":
        query = query.where(counted(), FraudWarning.called_at.is_not(None), FraudWarning.visited_at.is_not(None))
    elif show == "withdrawn":
        query = query.where(FraudWarning.withdrawn_at.is_not(None))
    return db.session.scalars(query.limit(LIST_LIMIT)).all()


def today_items(user: User) -> list[dict]:
    """Today's list: each open warning of mine with its next step and the minutes left (negative: overdue)."""
    moment = now()
    return [
        {"warning": warning, "step": next_step(warning), "minutes": minutes_left(warning, moment)}
        for warning in my_open_warnings(user)
    ]
