"""Visits recorded at doors (their daily rollups: models/tallies.py)."""

from datetime import date, datetime, timedelta

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    exists,
    false,
    or_,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models.areas import Area
from fieldapp.models.people import Team, User
from fieldapp.models.sites import Site, Tag

#: talked (已宣传), not_home (不在家), refused (拒绝), vacant (空置/搬离).
OUTCOMES = ("talked", "not_home", "refused", "vacant")

#: The counted figures of a visit, in the order pages show them.
VISIT_COUNTS = ("people_reached", "app_installs", "realname_regs", "miniprogram_regs")

#: A supervisor's verdicts that say something is wrong with a visit.
DISPUTED_STATUSES = ("has_issues", "rejected")
#: A visit that reached the server this long after it happened came from a phone's outbox.
SENT_LATE_AFTER = timedelta(minutes=10)
#: The score of a visit with no trust signal (trust/score.py takes each signal's weight off it).
FULL_TRUST = 100
#: Two visits by one volunteer closer than this look like doors not really knocked on (40 in 10 minutes).
RAPID_GAP = timedelta(seconds=60)


#: What Visit.review_first and the daily log's order read, after (building_id, day) in ix_visits_building_day_review.
REVIEW_INDEX_COLUMNS = (
    "undone_at",
    "trust_score",
    "gap_s",
    "gps_missing",
    "gps_inaccurate",
    "gps_far",
    "clock_skewed",
    "review_status",
    "recorded_at",
    "server_time",
)


#: Visits given a verdict, as SQL written out (not a bound value), so that both databases use the partial index
#: ix_visits_reviewed (whose WHERE says the same) for it.
REVIEWED = text("visits.review_status <> 'pending'")


class Visit(db.Model):
    """One knock on one door, as the volunteer recorded it."""

    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint("outcome IN ('talked', 'not_home', 'refused', 'vacant')", name="outcome"),
        CheckConstraint(
            "people_reached >= 0 AND app_installs >= 0 AND realname_regs >= 0 AND miniprogram_regs >= 0",
            name="counts_not_negative",
        ),
        CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat_range"),
        CheckConstraint("lon IS NULL OR (lon >= -180 AND lon <= 180)", name="lon_range"),
        CheckConstraint("accuracy_m IS NULL OR accuracy_m >= 0", name="accuracy_not_negative"),
        CheckConstraint("review_status IN ('pending', 'approved', 'has_issues', 'rejected')", name="review_status"),
        Index("ix_visits_site_server_time", "site_id", "server_time"),
        # A building's day (a station's day is its buildings' days), holding every column the daily log filters and
        # orders on (REVIEW_INDEX_COLUMNS): its count and its page's ids are read from the index alone.
        Index("ix_visits_building_day_review", "building_id", "day", *REVIEW_INDEX_COLUMNS),
        Index("ix_visits_user_day", "user_id", "day", text("coalesce(recorded_at, server_time)"), "id"),
        # The daily log and exports select a day (or days) across a whole station or district.
        Index("ix_visits_day", "day"),
        # The log's first page: the day in its order, not a sort of its flagged visits (a district's at 1M sites).
        Index(
            "ix_visits_day_review_order",
            "day",
            "trust_score",
            text("coalesce(recorded_at, server_time)"),
            "id",
            "building_id",
            "undone_at",
        ),
        # The review tallies: the visits given a verdict by building and day, read from the index alone (taken back
        # ones left out); the rest come from the rollups. SQLite seeks it building by building; PostgreSQL reads the
        # day's verdicts from the second and joins the area's buildings to them (it took the day's whole index
        # instead: 64 ms for a district's day at 1M sites, 11 with it). Visits still pending are in neither.
        Index(
            "ix_visits_reviewed",
            "building_id",
            "day",
            "review_status",
            "undone_at",
            sqlite_where=text("review_status <> 'pending'"),
            postgresql_where=text("review_status <> 'pending'"),
        ),
        Index(
            "ix_visits_reviewed_day",
            "day",
            "building_id",
            "review_status",
            "undone_at",
            sqlite_where=text("review_status <> 'pending'"),
            postgresql_where=text("review_status <> 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Made by the client when the form opens: the same visit sent twice is stored once.
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    #: The site's building at the time of the visit; the rollup key.
    building_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    outcome: Mapped[str] = mapped_column(String(16))
    #: 受教育群众人次: people at the door who heard the talk.
    people_reached: Mapped[int] = mapped_column(Integer, default=0)
    #: 国家反诈中心 APP installs helped with at this door.
    app_installs: Mapped[int] = mapped_column(Integer, default=0)
    #: 实名注册 in the app.
    realname_regs: Mapped[int] = mapped_column(Integer, default=0)
    #: Local mini-program registrations (e.g. 金钟罩).
    miniprogram_regs: Mapped[int] = mapped_column(Integer, default=0)
    #: 告知单 / 承诺书 signed.
    notice_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 回执 collected.
    receipt_collected: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    #: GPS fix from the phone, or all NULL when there was none.
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    #: The phone's clock when the visit was recorded (UTC); may be wrong.
    device_time: Mapped[datetime | None]
    #: When the server received it (UTC).
    server_time: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the visit happened by the server's clock: the phone's time less its clock's measured offset
    #: (a visit saved offline arrives hours later). NULL for visits stored without it: use server_time.
    recorded_at: Mapped[datetime | None]
    #: The phone's clock minus the server's when the visit was sent, in seconds (NULL: unknown).
    clock_offset_s: Mapped[int | None] = mapped_column(Integer)
    #: The phone's clock was off by more than MAX_CLOCK_SKEW: flagged for review, never refused.
    clock_skewed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: SHA-256 of what was submitted: the same client_uuid sent with other content is a conflict.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    #: The local working day the visit counts for (device day if plausible, else server day).
    day: Mapped[date] = mapped_column(Date)
    #: Metres between the GPS fix and the household's known location (NULL: no fix or no known location).
    distance_m: Mapped[float | None] = mapped_column(Float)
    #: No GPS fix came with the visit (denied, timed out, or no JavaScript).
    gps_missing: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The fix was vaguer than GPS_ACCURACY_LIMIT_M.
    gps_inaccurate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The fix was farther from the household than max(50 m, its accuracy).
    gps_far: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Set when the volunteer took the visit back (within minutes); an undone visit counts nowhere.
    undone_at: Mapped[datetime | None]
    #: Set when a lead or supervisor corrected the visit; the reason is kept, the change audited.
    corrected_at: Mapped[datetime | None]
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    correction_reason: Mapped[str | None] = mapped_column(Text)
    #: The supervisor's review: pending, approved, has_issues (kept, with a comment) or rejected (counts nowhere).
    review_status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    #: Why a visit has issues or was rejected; the volunteer sees it.
    review_comment: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    #: When the volunteer tapped "seen" on Today for this review; a new review clears it (shown again).
    review_seen_at: Mapped[datetime | None]
    #: The supervisor who recorded this visit from a volunteer's saved outbox file (NULL: sent by the phone).
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: 100 when nothing looks wrong; each signal found (visit_signals) takes its weight off. The review queue
    #: shows the lowest first.
    trust_score: Mapped[int] = mapped_column(Integer, default=FULL_TRUST, server_default=str(FULL_TRUST))
    #: Seconds since the same volunteer's previous visit of that day (by when they happened, undone ones left out);
    #: NULL for the day's first. Set when the visit is recorded (trust/signals.py reads that visit anyway) and
    #: kept when an earlier visit arrives late or is undone, so the daily log orders by it without a window.
    gap_s: Mapped[float | None] = mapped_column(Float)

    site: Mapped[Site] = relationship(foreign_keys=[site_id])
    building: Mapped[Area] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    team: Mapped[Team | None] = relationship()
    corrected_by: Mapped[User | None] = relationship(foreign_keys=[corrected_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    imported_by: Mapped[User | None] = relationship(foreign_keys=[imported_by_id])
    #: Registrations per mini-program (empty when the district keeps no list, or none were made).
    program_regs: Mapped[list["VisitProgramRegs"]] = relationship(cascade="all, delete-orphan")

    @hybrid_property
    def counts_in_tallies(self) -> bool:
        """Undone and rejected visits count nowhere; every other visit counts everywhere (also as SQL)."""
        return self.undone_at is None and self.review_status != "rejected"

    @counts_in_tallies.inplace.expression
    @classmethod
    def _counts_in_tallies(cls):
        return and_(cls.undone_at.is_(None), cls.review_status != "rejected")

    @hybrid_property
    def has_flags(self) -> bool:
        """A GPS flag or a phone clock far off (also as SQL; part of looks_wrong)."""
        return self.gps_missing or self.gps_inaccurate or self.gps_far or self.clock_skewed

    @has_flags.inplace.expression
    @classmethod
    def _has_flags(cls):
        return or_(
            cls.gps_missing.is_(True), cls.gps_inaccurate.is_(True), cls.gps_far.is_(True), cls.clock_skewed.is_(True)
        )

    @hybrid_property
    def rapid(self) -> bool:
        """Recorded too soon after the volunteer's previous visit (RAPID_GAP), also as SQL."""
        return self.gap_s is not None and self.gap_s < RAPID_GAP.total_seconds()

    @rapid.inplace.expression
    @classmethod
    def _rapid(cls):
        return and_(cls.gap_s.is_not(None), cls.gap_s < RAPID_GAP.total_seconds())

    @hybrid_property
    def looks_wrong(self) -> bool:
        """看起来有问题: a trust signal, a GPS or clock flag, or too soon after the previous visit. The one rule the
        daily log, its rows and the map use (also as SQL: the log's order and its index)."""
        return self.trust_score < FULL_TRUST or self.has_flags or self.rapid

    @looks_wrong.inplace.expression
    @classmethod
    def _looks_wrong(cls):
        return or_(cls.trust_score < FULL_TRUST, cls.has_flags, cls.rapid)

    @hybrid_property
    def review_first(self) -> bool:
        """What a reviewer sees first: what looks wrong, and what a supervisor already disputed (also as SQL)."""
        return self.looks_wrong or self.review_status in DISPUTED_STATUSES

    @review_first.inplace.expression
    @classmethod
    def _review_first(cls):
        return or_(cls.looks_wrong, cls.review_status.in_(DISPUTED_STATUSES))

    @hybrid_property
    def untagged(self) -> bool:
        """Recorded at a door that had no tag on it then (opened from the door list or roster, 未贴门牌)."""
        return not any(tag.on_door_at(self.server_time) for tag in self.site.tags)

    @untagged.inplace.expression
    @classmethod
    def _untagged(cls):
        return ~exists().where(Tag.site_id == cls.site_id, Tag.on_door_at(cls.server_time))

    @property
    def sent_late(self) -> bool:
        """Reached the server well after it happened: it waited in the phone's outbox."""
        return self.recorded_at is not None and self.server_time - self.recorded_at > SENT_LATE_AFTER

    @property
    def happened_at(self) -> datetime:
        return self.recorded_at or self.server_time

    @property
    def gps_flags(self) -> list[str]:
        """The GPS checks this visit failed, e.g. ["far"]."""
        flags = {"missing": self.gps_missing, "inaccurate": self.gps_inaccurate, "far": self.gps_far}
        return [name for name, raised in flags.items() if raised]

    @property
    def flags(self) -> list[str]:
        """The codes of labels.VISIT_FLAGS this visit raises, in that order: its GPS checks, rapid, the clock."""
        return [*self.gps_flags, *(["rapid"] if self.rapid else []), *(["clock"] if self.clock_skewed else [])]

    @property
    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in VISIT_COUNTS}


class VisitProgramRegs(db.Model):
    """Registrations in one mini-program at one visit; the visit's `miniprogram_regs` is their sum."""

    __tablename__ = "visit_program_regs"
    __table_args__ = (CheckConstraint("regs > 0", name="regs_positive"),)

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    mini_program_id: Mapped[int] = mapped_column(ForeignKey("mini_programs.id"), primary_key=True)
    regs: Mapped[int] = mapped_column(Integer)
