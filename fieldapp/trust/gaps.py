"""Each visit's gap to the same volunteer's previous visit of the day (Visit.gap_s), kept right when the order of a
day changes after the fact: a visit that happened earlier arrives late (an outbox, an imported file), or one is undone.
Recording sets a new visit's own gap (trust/signals.find_signals reads its previous visit anyway)."""

from functools import cache

from sqlalchemy import func, select, update

from fieldapp.extensions import db
from fieldapp.models import Visit
from fieldapp.trust.signals import _earlier, _happened, _later, gap_seconds


@cache
def _next_statement():
    return select(Visit.id, _happened.label("at")).where(_later).order_by(_happened, Visit.id).limit(1)


def set_next_gap(visit: Visit) -> None:
    """The volunteer's next visit of that day after `visit` (which arrived late, or was just undone) gets its gap
    again: its previous visit changed. Rare (an outbox sent out of order, an undo), so a statement of its own."""
    moment = visit.happened_at
    after = {"user_id": visit.user_id, "day": visit.day, "moment": moment, "before_id": visit.id}
    following = db.session.execute(_next_statement(), after).first()
    if following is None:
        return
    params = {"user_id": visit.user_id, "day": visit.day, "moment": following.at, "before_id": following.id}
    previous = db.session.scalar(select(func.max(_happened)).where(_earlier), params)
    gap = gap_seconds(following.at, previous)
    db.session.execute(update(Visit).where(Visit.id == following.id).values(gap_s=gap))
