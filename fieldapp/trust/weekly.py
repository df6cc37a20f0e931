"""A volunteer's trust over a week: the mean score of their visits and how often each signal was raised, for the
supervisors who see that volunteer's station."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import FULL_TRUST, Area, User, UserDailyTally, Visit, VisitSignal
from fieldapp.tallies import ranked_page


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


def volunteer_weeks(
    area: Area, first_day: date, last_day: date, limit: int | None = None, offset: int = 0
) -> tuple[list[VolunteerWeek], int]:
    """(rows, how many in all): the volunteers bound inside `area` with counted visits from first_day to last_day,
    the lowest mean score first (ties by name), `limit` of them from `offset` (all without a limit).

    Ranked in SQL over their daily rollups (visits, trust points lost, visits flagged), as the people table of the
    same page is: a district's week costs its volunteers' days, not its million visits. Only the rows shown read
    their visits' signals (index ix_visits_user_day)."""
    visits, lost = func.sum(UserDailyTally.visits), func.sum(UserDailyTally.trust_lost)
    ranked = (
        select(User, visits, lost, func.sum(UserDailyTally.flagged))
        .join(UserDailyTally, UserDailyTally.user_id == User.id)
        .join(Area, Area.id == User.area_id)
        .where(Area.within(area), UserDailyTally.day.between(first_day, last_day))
        .group_by(User.id)
        .having(visits > 0)
    )
    rows, total = ranked_page(ranked.order_by((lost * 1.0 / visits).desc(), User.display_name), limit, offset)
    counts: dict[int, dict[str, int]] = {}
    if rows:
        for user_id, signal, raised in db.session.execute(
            select(Visit.user_id, VisitSignal.signal, func.count())
            .join(VisitSignal, VisitSignal.visit_id == Visit.id)
            .where(
                Visit.user_id.in_([user.id for user, *_sums in rows]),
                Visit.day.between(first_day, last_day),
                Visit.counts_in_tallies,
            )
            .group_by(Visit.user_id, VisitSignal.signal)
        ):
            counts.setdefault(user_id, {})[signal] = raised
    weeks = [
        VolunteerWeek(user, int(count), round(FULL_TRUST - int(points) / int(count), 1), int(flagged))
        for user, count, points, flagged, _total in rows
    ]
    for week in weeks:
        week.signals = counts.get(week.user.id, {})
    return weeks, total
