"""Warnings newly late, stamped once: every few minutes (fieldapp/schedule.py) each warning not withdrawn whose
deadline has passed with its step undone gets `late_seen_at`, one audit entry and a log line, so late warnings are
read from an indexed column. A step recorded late stamps it too (services.record_step), for a warning done late
between two runs. Safe to run twice and on several hosts at once: the UPDATE stamps only the rows no one stamped
yet (PostgreSQL re-checks that under the row lock of a concurrent run) and answers only those it stamped."""

from datetime import datetime

from sqlalchemy import select, update

from fieldapp.audit import audit
from fieldapp.extensions import db
from fieldapp.models.outreach import FraudWarning
from fieldapp.warnings.deadlines import counted, now, overdue_steps, past_due


def stamp_late(moment: datetime | None = None) -> list[FraudWarning]:
    """Stamp, audit and return the warnings late at `moment` (now) not stamped before. The caller commits."""
    moment = moment or now()
    stamped = db.session.scalars(
        update(FraudWarning)
        .where(FraudWarning.late_seen_at.is_(None), counted(), past_due(moment))
        .values(late_seen_at=moment)
        .returning(FraudWarning.id),
        execution_options={"synchronize_session": False},
    ).all()
    if not stamped:
        return []
    warnings = db.session.scalars(
        select(FraudWarning)
        .where(FraudWarning.id.in_(stamped))
        .order_by(FraudWarning.id)
        .execution_options(populate_existing=True)
    ).all()
    for warning in warnings:
        audit("warning.late", warning, after={"steps": overdue_steps(warning, moment), "at": moment.isoformat()})
    return warnings
