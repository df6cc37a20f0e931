"""The area tree that every tally rolls up along: district → station → community → grid → building."""

from datetime import date, datetime
from functools import cache

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    and_,
    bindparam,
    exists,
    select,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from fieldapp.database import utcnow
from fieldapp.extensions import db

#: Levels from the top down. Levels may be skipped (a village can hold its groups
#: directly), but a child is always strictly below its parent.
LEVELS = ("district", "station", "community", "grid", "building")
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}


#: The buildings with a place: what ix_areas_building_place holds. A query it serves says so in these words.
BUILDING_PLACE = "level = 'building' AND lat IS NOT NULL AND lon IS NOT NULL"


class Area(db.Model):
    """A node of the area tree: 县/区, 派出所/镇, 社区/村, 网格, 楼栋/组."""

    __tablename__ = "areas"
    __table_args__ = (
        UniqueConstraint("parent_id", "name", name="uq_areas_parent_name"),
        CheckConstraint("level IN ('district', 'station', 'community', 'grid', 'building')", name="level"),
        # Prefix searches ("everything under /1/5/") need pattern ops on PostgreSQL.
        Index("ix_areas_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
        # in_use() asks, for each area a list reads, whether an archived area lies above it: the few archived areas
        # come from this index instead of a scan of the whole tree per row.
        Index(
            "ix_areas_archived",
            "archived_at",
            sqlite_where=text("archived_at IS NOT NULL"),
            postgresql_where=text("archived_at IS NOT NULL"),
        ),
        # Every visit recorded reads the box around its station's buildings (trust.signals, outside_area): the
        # index holds their places, so the thousands of a station at a million sites are not read row by row.
        Index(
            "ix_areas_building_place",
            "path",
            "lat",
            "lon",
            sqlite_where=text(BUILDING_PLACE),
            postgresql_where=text(BUILDING_PLACE),
            postgresql_ops={"path": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The area this one belongs to; NULL only for the district at the root.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    #: One of LEVELS.
    level: Mapped[str] = mapped_column(String(16))
    #: The name people use, e.g. "东门社区" or "3号楼".
    name: Mapped[str] = mapped_column(String(100))
    #: Materialized path of ids, "/1/5/23/": an area contains every area whose path starts with its own.
    path: Mapped[str] = mapped_column(String(255), default="")
    #: Known location (for buildings, the GPS checks of the door issue use it).
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    #: Occupied households at or below this area (应入户数), kept up to date with every site change.
    resident_households: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: People living in those households: the base of "per 10,000 residents".
    residents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when the area is archived (demolished, merged): it keeps its history, leaves every list, and its
    #: households leave the denominators of the areas above it from that moment on.
    archived_at: Mapped[datetime | None]

    parent: Mapped["Area | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Area"]] = relationship(back_populates="parent", order_by="Area.name")

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def contains(self, other: "Area") -> bool:
        """True when `other` is this area or lies anywhere below it."""
        return other.path.startswith(self.path)

    @hybrid_method
    def within(self, area: "Area") -> bool:
        """This area is `area` or lies below it; as SQL, `Area.within(x)` (or an alias's) selects x's subtree."""
        return self.path.startswith(area.path)

    @within.expression
    @classmethod
    def _within(cls, area: "Area"):
        return cls.path.startswith(area.path, autoescape=True)

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def __repr__(self) -> str:
        return f"<Area {self.id} {self.level} {self.name}>"


def in_use(area=Area):
    """SQL: `area` (the Area class or an alias) is not archived and lies in no archived area: an archived grid
    takes its buildings out of every list with it. The one place lists ask this."""
    archived = aliased(Area)
    return ~exists().where(archived.archived_at.is_not(None), area.path.startswith(archived.path))


@cache
def _archived_along_statement():
    """Built once: every visit recorded asks it (building the statement cost more than running it, profiled)."""
    ids = bindparam("ids", expanding=True)
    return select(Area).where(Area.id.in_(ids), Area.archived_at.is_not(None)).order_by(Area.path).limit(1)


def archived_along(area: Area) -> Area | None:
    """The archived area at or above `area` (the highest one), or None: a door there takes no new visit."""
    return db.session.scalar(_archived_along_statement(), {"ids": area.ancestor_ids})


class AreaCountChange(db.Model):
    """How much an area's resident households and residents moved on one day (the sum of that day's changes),
    so a past week is reported with the counts it had then: as of a day, the count is today's minus every
    change after that day. Written with the counters (site_counts.py, areas/moves.py)."""

    __tablename__ = "area_count_changes"

    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    households: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    residents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


def under_path(dialect: str):
    """SQL: an area lies under :path (ids and slashes, no LIKE wildcard); pass :path_end, path_end(path), too.
    PostgreSQL reads a LIKE of a prefix off the paths' pattern index. SQLite's LIKE reads every area (5 ms at a
    million sites), so there a range of paths, off the paths' index, compared byte by byte as SQLite does
    (PostgreSQL's collation may not)."""
    if dialect == "sqlite":
        return and_(Area.path >= bindparam("path", type_=String), Area.path < bindparam("path_end", type_=String))
    return Area.path.startswith(bindparam("path"))


def path_end(path: str) -> str:
    """The first path after every path under `path`: "/1/5/" <= a path under it < "/1/50", as "/" sorts right
    before "0"."""
    return path[:-1] + "0"
