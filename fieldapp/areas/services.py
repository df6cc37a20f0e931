"""Writes to the area tree: add a part, rename one; each audited, the caller commits."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp.audit import audit
from fieldapp.extensions import db
from fieldapp.limits import AREA_NAME_MAX
from fieldapp.models import LEVEL_RANK, Area
from fieldapp.refusals import Refused


def add_area(parent: Area | None, level: str, name: str, lat=None, lon=None) -> Area:
    """Add an area under `parent` and give it its materialized path. The caller commits."""
    if level not in LEVEL_RANK:
        raise ValueError(f"unknown level {level!r}")
    if parent is None and level != "district":
        raise ValueError("only a district may stand at the root")
    if parent is not None and LEVEL_RANK[level] <= LEVEL_RANK[parent.level]:
        raise ValueError(f"a {level} cannot lie inside a {parent.level}")
    area = Area(parent=parent, level=level, name=name, lat=lat, lon=lon)
    db.session.add(area)
    db.session.flush()  # the path needs the new id
    area.path = f"{parent.path if parent else '/'}{area.id}/"
    return area


def name_taken(parent: Area, name: str, except_id: int | None = None) -> bool:
    return (
        db.session.scalar(
            select(Area.id).where(Area.parent_id == parent.id, Area.name == name, Area.id != (except_id or 0)).limit(1)
        )
        is not None
    )


def create_area(parent: Area, level: str, name: str, lat: float | None = None, lon: float | None = None) -> Area:
    """A new part of `parent` (a station, community, grid or building below it), named uniquely there; audited.
    The caller commits."""
    if level not in LEVEL_RANK or LEVEL_RANK[level] <= LEVEL_RANK[parent.level]:
        raise Refused(_l("Choose a level below this area's."), field="level")
    name = checked_area_name(name, "name")
    if name_taken(parent, name):
        raise Refused(_l("“%(name)s” already exists here.", name=name), field="name")
    area = add_area(parent, level, name, lat=lat, lon=lon)
    audit("area.create", area, after={"parent_id": parent.id, "level": level, "name": name})
    return area


def rename_area(area: Area, name: str) -> bool:
    """Give an area another name (unique among its siblings); audited. False when the name is the same."""
    name = checked_area_name(name, "name")
    if name == area.name:
        return False
    if area.parent is not None and name_taken(area.parent, name, except_id=area.id):
        raise Refused(_l("“%(name)s” already exists here.", name=name), field="name")
    before = area.name
    area.name = name
    audit("area.rename", area, before={"name": before}, after={"name": name})
    return True


def checked_area_name(name: str, field: str) -> str:
    name = name.strip()
    if not name:
        raise Refused(_l("Give a name."), field=field)
    if len(name) > AREA_NAME_MAX:
        raise Refused(_l("A name has at most %(n)d characters.", n=AREA_NAME_MAX), field=field)
    return name
