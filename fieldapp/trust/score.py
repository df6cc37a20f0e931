"""A visit's trust score: 100 when nothing looks wrong, less the weight of each signal it raised (never below 0).

The one place a signal is added to a visit, whoever finds it: the checks run when a visit is recorded, or a
failed spot check on another visit of the same volunteer. The caller commits."""

from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Visit, VisitSignal
from fieldapp.models.visits import FULL_TRUST

__all__ = ["FULL_TRUST", "add_signal", "rescore"]


def add_signal(visit: Visit, signal: str, weight: int, detail: dict | None = None) -> bool:
    """Attach `signal` to `visit` (once: a signal already there is left as it is) and lower its score.
    Returns whether it was new. `visit` must have an id (flushed)."""
    if db.session.get(VisitSignal, (visit.id, signal)) is not None:
        return False
    db.session.add(VisitSignal(visit_id=visit.id, signal=signal, weight=weight, detail=detail))
    db.session.flush()
    rescore(visit)
    return True


def rescore(visit: Visit) -> int:
    """Set the visit's score from the signals it holds, and return it."""
    taken = db.session.scalar(
        select(func.coalesce(func.sum(VisitSignal.weight), 0)).where(VisitSignal.visit_id == visit.id)
    )
    visit.trust_score = max(0, FULL_TRUST - int(taken))
    return visit.trust_score
