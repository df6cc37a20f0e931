"""How long raw personal data of a visit is kept: `flask purge-personal-data`, run daily.

A visit's GPS fix (where the volunteer stood at a door, to the metre) and its free-text note are
personal data kept only as long as a supervisor may still question the visit. After
FIELDAPP_RETENTION_DAYS they are cleared. What the fix proved stays, because it is evidence and not
a location: its accuracy, the distance to the household and the flags (no fix, vague, far). Nothing
that a tally counts changes: outcomes, counts and rollups are untouched.

One consequence: a household without imported coordinates is located from recent fixes only (or its
building), since the fixes it learned from before the cut-off are gone.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import Visit


@dataclass
class Purge:
    """What a purge cleared (or, in a dry run, would clear)."""

    before: datetime
    days: int
    gps: int
    notes: int

    @property
    def id(self) -> None:  # audited as an object without a row of its own
        return None

    def as_dict(self) -> dict:
        return {"before": self.before.isoformat(), "days": self.days, "gps": self.gps, "notes": self.notes}


def cutoff(days: int, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=days)


def purge_personal_data(days: int, dry_run: bool = False, now: datetime | None = None) -> Purge:
    """Clear GPS fixes and notes of visits received more than `days` ago; audited. The caller commits."""
    before = cutoff(days, now)
    old = Visit.server_time < before
    has_fix = or_(Visit.lat.is_not(None), Visit.lon.is_not(None))
    has_note = Visit.note != ""
    count = func.count(Visit.id)
    purged = Purge(
        before=before,
        days=days,
        gps=db.session.scalar(select(count).where(old, has_fix)),
        notes=db.session.scalar(select(count).where(old, has_note)),
    )
    if dry_run:
        return purged
    # Two plain UPDATEs, no ORM objects: a year of visits is cleared without loading it.
    db.session.execute(
        update(Visit).where(old, has_fix).values(lat=None, lon=None), execution_options={"synchronize_session": False}
    )
    db.session.execute(
        update(Visit).where(old, has_note).values(note=""), execution_options={"synchronize_session": False}
    )
    # Audited even when nothing was old enough: the log then shows the daily job runs.
    audit("visit.purge_personal_data", purged, after=purged.as_dict())
    return purged
