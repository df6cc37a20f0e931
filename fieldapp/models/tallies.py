"""The per-area, per-volunteer and per-mini-program daily rollups every tally reads, moved with each visit."""

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.extensions import db
from fieldapp.models.areas import Area
from fieldapp.models.people import User


class TallySums:
    """The sums every rollup holds, moved in the same transaction as each visit."""

    visits: Mapped[int] = mapped_column(Integer, default=0)
    talked: Mapped[int] = mapped_column(Integer, default=0)
    people_reached: Mapped[int] = mapped_column(Integer, default=0)
    app_installs: Mapped[int] = mapped_column(Integer, default=0)
    realname_regs: Mapped[int] = mapped_column(Integer, default=0)
    miniprogram_regs: Mapped[int] = mapped_column(Integer, default=0)
    notices_signed: Mapped[int] = mapped_column(Integer, default=0)
    receipts_collected: Mapped[int] = mapped_column(Integer, default=0)
    #: Households first covered (first "talked" visit): sums to distinct households visited.
    households_covered: Mapped[int] = mapped_column(Integer, default=0)

    @classmethod
    def summed(cls) -> list:
        """SQL: each of TALLY_FIELDS summed over the rows read (0 when none), named as the field."""
        return [func.coalesce(func.sum(getattr(cls, name)), 0).label(name) for name in TALLY_FIELDS]


class DailyTally(TallySums, db.Model):
    """Per area per day, for the building of each visit and every area above it.

    A visit moves one row at each level (building, grid, community, station, district), so any
    area's figures are a sum over its own rows: the cost of a page does not grow with the sites below.
    """

    __tablename__ = "area_daily_tallies"

    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)

    area: Mapped[Area] = relationship()


class UserDailyTally(TallySums, db.Model):
    """Per volunteer per day (and per team: the team the volunteer was in when visiting)."""

    __tablename__ = "user_daily_tallies"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    #: The visit's team, 0 when the volunteer had none (0 rather than NULL: it is part of the key).
    team_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    #: Trust points the day's counted visits lost (the sum of 100 − score): with `visits`, their mean score.
    trust_lost: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The day's counted visits with a score below 100 (something looked wrong).
    flagged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    user: Mapped[User] = relationship()


#: DailyTally columns that hold sums, in the order pages show them.
TALLY_FIELDS = (
    "visits",
    "talked",
    "households_covered",
    "people_reached",
    "app_installs",
    "realname_regs",
    "miniprogram_regs",
    "notices_signed",
    "receipts_collected",
)
#: UserDailyTally's sums besides TALLY_FIELDS: a volunteer's trust over any days (信任分) without reading visits.
TRUST_FIELDS = ("trust_lost", "flagged")


class ProgramDailyTally(db.Model):
    """Per area per day per mini-program: registrations, moved with each visit like DailyTally."""

    __tablename__ = "area_daily_program_tallies"

    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    mini_program_id: Mapped[int] = mapped_column(ForeignKey("mini_programs.id"), primary_key=True)
    regs: Mapped[int] = mapped_column(Integer, default=0)
