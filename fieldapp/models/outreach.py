"""The campaign's work beyond the door: outreach events (宣讲), key groups (重点人群), warning follow-ups
(预警劝阻) and back-checks (倒查)."""

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models.areas import Area
from fieldapp.models.people import Team, User
from fieldapp.models.sites import Site

#: lecture (讲座), stall (摆摊/集市), school talk (进校园), enterprise talk (进企业), training (培训),
#: WeChat-group broadcast (微信群推送).
EVENT_KINDS = ("lecture", "stall", "school", "enterprise", "training", "wechat")
#: What an event's figures add to its area's daily rollup (AreaDailyEventTally), in the order pages show them.
EVENT_COUNTS = ("people_reached", "leaflets", "posters", "letters", "app_installs", "realname_regs", "miniprogram_regs")


class OutreachEvent(db.Model):
    """One 宣讲: a lecture, a stall, a talk; counted in 人次 at its area and above, never in household coverage."""

    __tablename__ = "outreach_events"
    __table_args__ = (
        CheckConstraint("kind IN ('lecture', 'stall', 'school', 'enterprise', 'training', 'wechat')", name="kind"),
        CheckConstraint(
            "people_reached >= 0 AND leaflets >= 0 AND posters >= 0 AND letters >= 0 AND app_installs >= 0"
            " AND realname_regs >= 0 AND miniprogram_regs >= 0",
            name="counts_not_negative",
        ),
        Index("ix_outreach_events_area_day", "area_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Made by the client when the form opens: the same event sent twice is stored once.
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100), default="")
    #: Where it was held: any area (a community square, a school's grid); the rollup key.
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    #: The school, enterprise or shop it was held at, when that is a site of the roster.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: When it was held (UTC) and the local working day it counts for.
    held_at: Mapped[datetime]
    day: Mapped[date] = mapped_column(Date)
    #: 人次: from a dozen to tens of thousands.
    people_reached: Mapped[int] = mapped_column(Integer, default=0)
    leaflets: Mapped[int] = mapped_column(Integer, default=0)
    posters: Mapped[int] = mapped_column(Integer, default=0)
    letters: Mapped[int] = mapped_column(Integer, default=0)
    app_installs: Mapped[int] = mapped_column(Integer, default=0)
    realname_regs: Mapped[int] = mapped_column(Integer, default=0)
    miniprogram_regs: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    #: A photo's file name under the instance's photo folder (resized, EXIF stripped), or NULL.
    photo: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when the event is withdrawn (recorded by mistake): it then counts nowhere.
    withdrawn_at: Mapped[datetime | None]

    area: Mapped[Area] = relationship()
    site: Mapped[Site | None] = relationship()
    team: Mapped[Team | None] = relationship()
    recorded_by: Mapped[User] = relationship()


class AreaDailyEventTally(db.Model):
    """An area's events of one day, rolled up in the event's transaction for the area and every area above it."""

    __tablename__ = "area_daily_event_tallies"

    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    events: Mapped[int] = mapped_column(Integer, default=0)
    people_reached: Mapped[int] = mapped_column(Integer, default=0)
    leaflets: Mapped[int] = mapped_column(Integer, default=0)
    posters: Mapped[int] = mapped_column(Integer, default=0)
    letters: Mapped[int] = mapped_column(Integer, default=0)
    app_installs: Mapped[int] = mapped_column(Integer, default=0)
    realname_regs: Mapped[int] = mapped_column(Integer, default=0)
    miniprogram_regs: Mapped[int] = mapped_column(Integer, default=0)


class KeyGroup(db.Model):
    """A 重点人群 an admin keeps, e.g. 独居老人 with a revisit every 30 days."""

    __tablename__ = "key_groups"
    __table_args__ = (CheckConstraint("revisit_days IS NULL OR revisit_days > 0", name="revisit_days_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    #: Households of the group are due for a talk again this many days after the last one (NULL: never).
    revisit_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]


class SiteKeyGroup(db.Model):
    """A household marked as one of a key group."""

    __tablename__ = "site_key_groups"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    key_group_id: Mapped[int] = mapped_column(ForeignKey("key_groups.id"), primary_key=True, index=True)
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    key_group: Mapped[KeyGroup] = relationship()


#: fraud in progress categories as the platform sends them, roughly: 刷单返利, 冒充客服, 冒充公检法, 投资理财,
#: 网络贷款, 杀猪盘, other.
WARNING_STEPS = ("call", "visit")
#: A call reached the person or not; a face-to-face visit was done, refused, or the person not found.
STEP_RESULTS = ("reached", "not_reached", "done", "refused", "not_found")


class FraudWarning(db.Model):
    """A 预警: someone being defrauded now, pushed by the platform; to be called at once and met within 8 hours."""

    __tablename__ = "fraud_warnings"
    __table_args__ = (Index("ix_fraud_warnings_area_received", "area_id", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The platform's or the importer's id for the warning: the same warning imported twice is stored once.
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime]
    #: The local day it was received: the rollup key.
    day: Mapped[date] = mapped_column(Date)
    #: The person's phone as the platform gives it; shown masked everywhere.
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(40), default="")
    source: Mapped[str] = mapped_column(String(40), default="")
    #: The household, when the address or phone finds one.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    #: Where it is routed: the household's grid, else a station (or the district, for a supervisor to route).
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Deadlines, fixed when it arrives (settings may change later): the call, and the face-to-face visit.
    call_due_at: Mapped[datetime]
    visit_due_at: Mapped[datetime]
    #: When each step was first done (NULL: not yet); on time means at or before its deadline.
    called_at: Mapped[datetime | None]
    visited_at: Mapped[datetime | None]
    #: When a deadline was first seen passed with its step undone (warnings.overdue, every few minutes, or the
    #: step recorded late): late warnings are read from this column. Never cleared: late stays late.
    late_seen_at: Mapped[datetime | None] = mapped_column(index=True)
    #: 止付: money stopped, and how much (yuan), when known.
    money_stopped: Mapped[bool | None] = mapped_column(Boolean)
    amount_stopped: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Withdrawn by a supervisor (entered twice, or not a warning): kept for the audit, counted nowhere.
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")

    site: Mapped[Site | None] = relationship()
    area: Mapped[Area] = relationship()
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])


class WarningStep(db.Model):
    """One follow-up step of a warning, recorded from the phone with GPS as a visit is."""

    __tablename__ = "warning_steps"
    __table_args__ = (
        CheckConstraint("step IN ('call', 'visit')", name="step"),
        CheckConstraint("result IN ('reached', 'not_reached', 'done', 'refused', 'not_found')", name="result"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("fraud_warnings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    step: Mapped[str] = mapped_column(String(8))
    result: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    done_at: Mapped[datetime] = mapped_column(default=utcnow)

    warning: Mapped[FraudWarning] = relationship()
    user: Mapped[User] = relationship()


class BackCheck(db.Model):
    """A 倒查: after a fraud case, what the record says of one household, and the inspector's conclusion."""

    __tablename__ = "back_checks"
    __table_args__ = (UniqueConstraint("client_uuid", name="uq_back_checks_client_uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    #: The household's building when checked: counted per area.
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The case it is for (案件编号), as the inspector types it.
    case_ref: Mapped[str] = mapped_column(String(64), default="")
    visited_before: Mapped[bool] = mapped_column(Boolean)
    #: What was missed (no app installed, no notice signed...) and the follow-up action taken.
    missed: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship()
    user: Mapped[User] = relationship()
