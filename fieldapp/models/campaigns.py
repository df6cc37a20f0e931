"""Campaigns (专项行动) with their dates, the targets handed down for each, and the mini-programs counted at doors."""

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models.areas import Area

#: The figures a target can be set for (a mini-program's registrations use `program_measure`).
TARGET_MEASURES = ("households_covered", "people_reached", "app_installs", "realname_regs", "miniprogram_regs")


def program_measure(program_id: int) -> str:
    """The measure name of one mini-program's registrations, e.g. "program:3"."""
    return f"program:{program_id}"


class Campaign(db.Model):
    """A campaign with its dates, e.g. "2027 春季反诈入户" from 1 March to 30 June.

    Area pages, Today and the weekly report read the current one ("the campaign"); past ones stay readable.
    """

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("first_round_by IS NULL OR first_round_by >= starts_on", name="first_round_in_campaign"),
        CheckConstraint("complete_by IS NULL OR complete_by >= starts_on", name="complete_in_campaign"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: Deadline for a first visit to every door (首轮走访), if the district set one.
    first_round_by: Mapped[date | None] = mapped_column(Date)
    #: Deadline for 100% coverage (全覆盖), if set.
    complete_by: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    targets: Mapped[list["Target"]] = relationship(back_populates="campaign")

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.name} {self.starts_on}..{self.ends_on}>"


class Target(db.Model):
    """A figure handed down to an area for a campaign, e.g. 2,000 app installs for a station (任务数)."""

    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint("campaign_id", "area_id", "measure", name="uq_targets_campaign_area_measure"),
        CheckConstraint("value >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    #: One of TARGET_MEASURES, or a mini-program's `program_measure`.
    measure: Mapped[str] = mapped_column(String(32))
    value: Mapped[int] = mapped_column(Integer)

    campaign: Mapped[Campaign] = relationship(back_populates="targets")
    area: Mapped[Area] = relationship()


class MiniProgram(db.Model):
    """A local anti-fraud mini-program people register in at the door (e.g. 金钟罩, 反诈卫士); a list an admin keeps."""

    __tablename__ = "mini_programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    #: Retired programs leave the door form; their registrations stay counted.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<MiniProgram {self.id} {self.name}>"
