"""Whether figures can be trusted: the signals a visit raised when it was recorded, and the spot checks
(督察回访) that call or visit a sample of covered households to ask whether the visit really happened."""

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models.areas import Area
from fieldapp.models.people import User
from fieldapp.models.sites import Site
from fieldapp.models.visits import Visit

#: What a spot check found: the household confirms the visit; says nobody came; says someone came but the app
#: was not installed as recorded; could not be reached (counts as neither passed nor failed).
SPOT_CHECK_RESULTS = ("confirmed", "not_visited", "no_app", "unreachable")
#: How the household was asked: a phone call, or in person.
SPOT_CHECK_METHODS = ("phone", "in_person")


class VisitSignal(db.Model):
    """One reason a visit looks wrong, found when it was recorded (or later, by a failed spot check).

    A table rather than flags on the visit, so that the review desk can filter by any signal with an index."""

    __tablename__ = "visit_signals"
    __table_args__ = (Index("ix_visit_signals_signal_visit", "signal", "visit_id"),)

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    #: The signal's code, e.g. "burst", "too_fast", "same_fix", "outside_area", "failed_spot_check".
    signal: Mapped[str] = mapped_column(String(24), primary_key=True)
    #: The measured facts behind it, for its plain-language reason (e.g. {"kmh": 41, "from_visit": 12}).
    detail: Mapped[dict | None] = mapped_column(db.JSON)
    #: What it takes off the visit's trust score.
    weight: Mapped[int] = mapped_column(Integer)
    found_at: Mapped[datetime] = mapped_column(default=utcnow)

    visit: Mapped[Visit] = relationship()


class SpotCheckRound(db.Model):
    """One week's draw of covered households to verify, for one area (a station, usually)."""

    __tablename__ = "spot_check_rounds"
    __table_args__ = (UniqueConstraint("area_id", "week_start", name="uq_spot_check_rounds_area_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    #: The first day of the week whose visits were sampled.
    week_start: Mapped[date] = mapped_column(Date)
    #: The random seed of the draw: the same seed over the same visits draws the same sample.
    seed: Mapped[int] = mapped_column(Integer)
    #: Households drawn per volunteer (every volunteer with covered households is sampled).
    per_volunteer: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    area: Mapped[Area] = relationship()
    checks: Mapped[list["SpotCheck"]] = relationship(back_populates="round", order_by="SpotCheck.id")


class SpotCheck(db.Model):
    """One drawn visit to verify with its household, by someone other than the volunteer who claimed it."""

    __tablename__ = "spot_checks"
    __table_args__ = (
        CheckConstraint(
            "result IS NULL OR result IN ('confirmed', 'not_visited', 'no_app', 'unreachable')", name="result"
        ),
        CheckConstraint("method IS NULL OR method IN ('phone', 'in_person')", name="method"),
        UniqueConstraint("round_id", "visit_id", name="uq_spot_checks_round_visit"),
        Index("ix_spot_checks_assigned_to_answered", "assigned_to_id", "answered_at"),
        Index("ix_spot_checks_volunteer", "volunteer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("spot_check_rounds.id"))
    #: The claimed visit being verified, its household, and the volunteer who recorded it.
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: Who verifies it: never the volunteer who claimed the visit.
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The answer, recorded once per client id from the phone (NULL until answered).
    client_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    method: Mapped[str | None] = mapped_column(String(12))
    result: Mapped[str | None] = mapped_column(String(16))
    #: What the household said: were they visited, did they install the app (NULL: not asked / not reached).
    was_visited: Mapped[bool | None] = mapped_column(Boolean)
    app_installed: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)

    round: Mapped[SpotCheckRound] = relationship(back_populates="checks")
    visit: Mapped[Visit] = relationship()
    site: Mapped[Site] = relationship()
    volunteer: Mapped[User] = relationship(foreign_keys=[volunteer_id])
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
