"""A volunteer's trust over a week: the mean score of their visits and how often each signal was raised, for the
supervisors who see that volunteer's station."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Area, User, Visit, VisitSignal
from fieldapp.trust.score import FULL_TRUST


@dataclass
class VolunteerWeek:
    user: User
    visits: int
    #: The mean trust score of the week's visits (100: nothing looked wrong).
    score: float
    #: Visits with a score below 100.
    flagged: int
    #: How many of the week's visits raised each signal, e.g. {"burst": 14}.
    signals: dict[str, int] = field(default_factory=dict)


def volunteer_weeks(area: Area, first_day: date, last_day: date) -> list[VolunteerWeek]:
    """Each volunteer with visits under `area` from first_day to last_day, the lowest mean score first.

    Two grouped reads over the stored scores and signals of the week (by index ix_visits_building_day_review),
    rejected and undone visits left out as they are from every tally."""
    buildings = select(Area.id).where(Area.level == "building", Area.within(area))
    week = (
        Visit.building_id.in_(buildings),
        Visit.day.between(first_day, last_day),
        Visit.counts_in_tallies,
    )
    rows = db.session.execute(
        select(
            Visit.user_id,
            func.count(Visit.id),
            func.avg(Visit.trust_score),
            func.count(Visit.id).filter(Visit.trust_score < FULL_TRUST),
        )
        .where(*week)
        .group_by(Visit.user_id)
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for user_id, signal, raised in db.session.execute(
        select(Visit.user_id, VisitSignal.signal, func.count())
        .join(VisitSignal, VisitSignal.visit_id == Visit.id)
        .where(*week)
        .group_by(Visit.user_id, VisitSignal.signal)
    ):
        counts.setdefault(user_id, {})[signal] = raised
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_([r[0] for r in rows])))}
    weeks = [
        VolunteerWeek(users[user_id], visits, round(float(mean), 1), flagged, counts.get(user_id, {}))
        for user_id, visits, mean, flagged in rows
    ]
    return sorted(weeks, key=lambda row: (row.score, row.user.display_name))
