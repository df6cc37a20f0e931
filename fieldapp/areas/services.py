"""Writes to the area tree."""

from fieldapp.extensions import db
from fieldapp.models import LEVEL_RANK, Area


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
