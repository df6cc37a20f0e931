"""Sites (households, shops, enterprises, schools) and the QR door tags that lead to them."""

from datetime import date, datetime

from flask_babel import gettext
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
    func,
    or_,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.limits import MAX_COUNT, SITE_COUNT_MAX
from fieldapp.models.areas import Area

SITE_KINDS = ("household", "shop", "enterprise", "school")
#: The kinds of site that are not households, counted apart from them (shops 扫街, enterprises and schools 扫企).
OTHER_KINDS = ("shop", "enterprise", "school")
#: occupied (有人住), vacant (空置), moved_out (已搬离), new (新入住: added by a lead, not in the imported roster).
SITE_STATUSES = ("occupied", "vacant", "moved_out", "new")
#: Statuses of a household someone lives in: the denominator of coverage (应入户数).
RESIDENT_STATUSES = ("occupied", "new")


def door_label(unit: str | None, room: str, *, printed: bool = False) -> str:
    """The door in the user's language, zh "2单元 502", en "Unit 2 · 502", or just the room where a building has
    no units; pages, flashes and exports that read no Site all call this. `printed`: always Chinese, for tags
    stuck on doors, which residents read."""
    if not unit:
        return room
    if printed:
        return f"{unit}单元 {room}"
    return gettext("Unit %(unit)s · %(room)s", unit=unit, room=room)


def mask_phone(phone: str | None) -> str:
    """138****1234: lists never show a whole phone number."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    if len(phone) < 11:  # a landline or a short number: its first digits would leave too few hidden
        return "*" * (len(phone) - 4) + phone[-4:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str | None) -> str:
    """张某: lists never show a householder's whole name, only the surname (two characters for a compound one)."""
    name = (name or "").strip()
    if not name:
        return ""
    compound = len(name) >= 4 and name[:2] in COMPOUND_SURNAMES
    return name[: 2 if compound else 1] + "某"


#: Two-character surnames common enough to meet at a door (欧阳, 司马...): their holders are 欧阳某, not 欧某.
COMPOUND_SURNAMES = frozenset(
    (
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "令狐",
        "端木",
    )
)


class Site(db.Model):
    """A door the teams knock on (户 / 商户 / 企业 / 学校), inside a building."""

    __tablename__ = "sites"
    __table_args__ = (
        UniqueConstraint("building_id", "unit", "room", name="uq_sites_building_unit_room"),
        CheckConstraint("kind IN ('household', 'shop', 'enterprise', 'school')", name="kind"),
        CheckConstraint("status IN ('occupied', 'vacant', 'moved_out', 'new')", name="status"),
        CheckConstraint("residents >= 0", name="residents_not_negative"),
        # The back-check search (倒查) by a phone's last four digits and by the householder; the expression is
        # the one backchecks/search.py writes, literally.
        Index("ix_sites_phone_last4", text("substr(contact_phone, length(contact_phone) - 3)")),
        Index("ix_sites_householder", "householder"),
        # The unvisited list (未入户名单) and its count: the doors no talk has covered yet, building by building,
        # with the walking order's columns, so a page of them is read from the index alone.
        Index(
            "ix_sites_uncovered",
            "building_id",
            "kind",
            "status",
            "unit",
            "floor",
            "room",
            sqlite_where=text("covered_by_visit_id IS NULL"),
            postgresql_where=text("covered_by_visit_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The building (or village group) this site belongs to; a leaf of the area tree.
    # active_history: a change must know the old value, to move the areas' resident counts (site_counts.py).
    building_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True, active_history=True)
    kind: Mapped[str] = mapped_column(String(16), default="household", active_history=True)
    #: 单元; empty when the building has no units.
    unit: Mapped[str] = mapped_column(String(20), default="")
    floor: Mapped[int | None] = mapped_column(Integer)
    #: 室 / 门牌, e.g. "502"; for a shop its street number.
    room: Mapped[str] = mapped_column(String(40))
    #: How many people live (or work) here; the base of "per 10,000 residents".
    residents: Mapped[int] = mapped_column(Integer, default=0, active_history=True)
    status: Mapped[str] = mapped_column(String(16), default="occupied", active_history=True)
    #: Optional contact number; shown masked everywhere but the edit form.
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    #: 户主, as the grid worker's roster names them; optional, shown as "张某" everywhere but the edit form.
    householder: Mapped[str | None] = mapped_column(String(40))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    #: The first "talked" visit, which made this site count as covered (入户); set once.
    covered_by_visit_id: Mapped[int | None] = mapped_column(
        ForeignKey("visits.id", use_alter=True, name="fk_sites_covered_by_visit_id_visits")
    )
    #: The days of its first and last counted talk (None: no talk counts): with them the areas' rollups of shops,
    #: enterprises and schools talked to (site_kinds.py) move when a site changes kind, status or building.
    first_talk_on: Mapped[date | None] = mapped_column(Date, active_history=True)
    last_talk_on: Mapped[date | None] = mapped_column(Date, active_history=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    building: Mapped[Area] = relationship()
    tags: Mapped[list["Tag"]] = relationship(back_populates="site", order_by="Tag.id")

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.contact_phone)

    @property
    def masked_householder(self) -> str:
        return mask_name(self.householder)

    @property
    def door_label(self) -> str:
        """Unit and room in the user's language, e.g. "2单元 502" / "Unit 2 · 502" (no personal data)."""
        return door_label(self.unit, self.room)

    @property
    def is_resident_household(self) -> bool:
        """Counts in the denominator of coverage (应入户数)."""
        return self.kind == "household" and self.status in RESIDENT_STATUSES

    @property
    def count_max(self) -> int:
        """The most one talk here may count (people, installs...): a household's few, a school's class or a
        shop's customers more."""
        return MAX_COUNT if self.kind == "household" else SITE_COUNT_MAX

    @property
    def needs_visit(self) -> bool:
        """Someone should knock here: a household lived in, or any shop, enterprise or school."""
        return self.kind != "household" or self.status in RESIDENT_STATUSES

    @property
    def active_tag(self) -> "Tag | None":
        return next((tag for tag in self.tags if tag.retired_at is None), None)


class AreaKindCount(db.Model):
    """Per area per kind of site other than households (OTHER_KINDS): its sites not moved out, itself and below,
    kept with every site change (site_kinds.py) as the resident counters are; archived areas below are taken off
    when read."""

    __tablename__ = "area_kind_counts"

    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    sites: Mapped[int] = mapped_column(Integer, default=0)


class KindDailyTally(db.Model):
    """Per area, kind of site (OTHER_KINDS) and day: how many of its sites (not moved out) had their first counted
    talk that day, and how many their last. Sites talked to from day F to day L are those whose first talk came by
    L less those whose last came before F (site_kinds.py), so "talked to" is a sum of rows, never a scan of visits."""

    __tablename__ = "area_daily_kind_tallies"

    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    first_talks: Mapped[int] = mapped_column(Integer, default=0)
    last_talks: Mapped[int] = mapped_column(Integer, default=0)


class Tag(db.Model):
    """A printed QR door tag. Its token is the only thing the QR holds: no ids, no personal data."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: secrets.token_urlsafe(12): 96 random bits, the /h/<token> URL.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    #: Printed under the QR for typing by hand; unique, no look-alike characters.
    short_code: Mapped[str] = mapped_column(String(12), unique=True)
    #: The door it is bound to; NULL for a blank tag not yet stuck on a door.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    #: The area it was printed for (a blank tag may only be bound inside it).
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    bound_at: Mapped[datetime | None]
    #: Set when a tag is reprinted or lost; a retired tag opens nothing.
    retired_at: Mapped[datetime | None]
    #: Last time its URL was opened by a logged-in user (at most every few minutes): finds tags never scanned.
    last_scanned_at: Mapped[datetime | None]

    site: Mapped[Site | None] = relationship(back_populates="tags")
    area: Mapped[Area] = relationship()

    @hybrid_method
    def on_door_at(self, moment: datetime) -> bool:
        """Bound to its door at or before `moment` (a tag minted for a door is bound when minted), not retired then."""
        since = self.bound_at or self.created_at
        return self.site_id is not None and since <= moment and (self.retired_at is None or self.retired_at > moment)

    @on_door_at.expression
    @classmethod
    def _on_door_at(cls, moment):
        since = func.coalesce(cls.bound_at, cls.created_at)
        return and_(cls.site_id.is_not(None), since <= moment, or_(cls.retired_at.is_(None), cls.retired_at > moment))

    @property
    def place(self) -> Area:
        """Where the tag leads: its door's building, or (a blank tag) the area it was printed for."""
        return self.site.building if self.site is not None else self.area
