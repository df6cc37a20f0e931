"""Walking a building door by door: the order a volunteer walks it, and the next door not yet covered."""

import re
from dataclasses import dataclass
from functools import cache

from flask import url_for
from sqlalchemy import and_, bindparam, exists, or_, select, true
from sqlalchemy.orm import selectinload

from fieldapp.extensions import db
from fieldapp.models import RESIDENT_STATUSES, TALLY_FIELDS, Area, DailyTally, Site, Tag, Visit, in_use
from fieldapp.models.sites import door_label
from fieldapp.tallies import Totals


def natural(text: str) -> tuple:
    """ "2" before "10", "2A" after "2": numbers in a unit or room compare as numbers."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.findall(r"\d+|\D+", text or ""))


def walking_key(site: Site) -> tuple:
    """The walking order: unit by unit; inside a unit, floor by floor (ascending), then room. The one place it lives."""
    floor = site.floor if site.floor is not None else 10**6  # a door with no floor given comes last in its unit
    return (natural(site.unit), floor, natural(site.room), site.id)


def door_url(site: Site, **params) -> str:
    """Where a door's page is: its tag's URL, or (no tag yet) the door's own, opened by its id.
    The one place this choice lives: the door list, the roster, the log and "next door" all link through it."""
    tag = site.active_tag
    if tag is not None:
        return url_for("sites.household", token=tag.token, **params)
    return url_for("sites.door", site_id=site.id, **params)


@dataclass
class NextDoor:
    label: str | None  # the next door to walk to (its door_label), None when no other door is left
    url: str | None
    left: int  # doors of the building still to cover (this one included, if it is not covered yet)

    @property
    def building_done(self) -> bool:
        return self.left == 0


def _needs_a_knock():
    """SQL: Site.needs_visit, and no talk counted there yet (a household: not covered)."""
    talked = exists().where(Visit.site_id == Site.id, Visit.outcome == "talked", Visit.counts_in_tallies)
    return or_(
        and_(Site.kind == "household", Site.status.in_(RESIDENT_STATUSES), Site.covered_by_visit_id.is_(None)),
        and_(Site.kind != "household", ~talked),
    )


def doors_to_cover(building: Area) -> list[Site]:
    """The building's doors someone should still knock on, in walking order (none in an archived area).

    A household is covered once a talk counts there (Site.covered_by_visit_id); a shop, enterprise or school,
    which never counts as covered, once a talk there counts at all.
    """
    query = (
        select(Site)
        .join(Area, Area.id == Site.building_id)
        .where(Site.building_id == building.id, _needs_a_knock(), in_use(Area))
        .options(selectinload(Site.tags))
    )
    return sorted(db.session.scalars(query), key=walking_key)


@cache
def _doors_to_cover_keys():
    """doors_to_cover as plain rows: what the walking order needs, and each door's first tag still on it."""
    first_tag = (
        select(Tag.token)
        .where(Tag.site_id == Site.id, Tag.retired_at.is_(None))
        .order_by(Tag.id)
        .limit(1)
        .correlate(Site)
        .scalar_subquery()
    )
    return (
        select(Site.id, Site.unit, Site.floor, Site.room, first_tag.label("token"))
        .join(Area, Area.id == Site.building_id)
        .where(Site.building_id == bindparam("building_id"), _needs_a_knock(), in_use(Area))
    )


@cache
def _walk_on_statement():
    """The building's sums and its doors left, in one statement: the sums are an aggregate without GROUP BY, always
    one row, joined to each door left (the door's columns NULL when none is). Built once, as every submit runs it."""
    sums = select(*DailyTally.summed()).where(DailyTally.area_id == bindparam("building_id")).subquery("sums")
    doors = _doors_to_cover_keys().subquery("doors")
    return select(sums, doors).select_from(sums.outerjoin(doors, true()))


def walk_on(site: Site) -> tuple[NextDoor, Totals]:
    """After a visit at `site`: the next door to walk to (next_door) and the building's progress (what
    tallies.area_totals(building, targets=False) gives), read in one statement."""
    rows = db.session.execute(_walk_on_statement(), {"building_id": site.building_id}).all()
    building = site.building
    sums = dict(zip(TALLY_FIELDS, (int(value) for value in rows[0][: len(TALLY_FIELDS)]), strict=True))
    progress = Totals(resident_households=building.resident_households, residents=building.residents, sums=sums)
    return _next_of(site, [row for row in rows if row.id is not None]), progress


def next_door(site: Site) -> NextDoor:
    """The first door after `site` in walking order not covered yet, starting over at the building's first door."""
    return walk_on(site)[0]


def _next_of(site: Site, rows: list) -> NextDoor:
    """Read as plain rows (id, unit, floor, room, token): every door left in the building would otherwise be loaded
    as an object after each visit, and only the chosen one's label is shown."""
    here = walking_key(site)
    keyed = sorted((walking_key(row), row) for row in rows if row.id != site.id)
    ahead = [row for key, row in keyed if key > here] + [row for key, row in keyed if key < here]
    if not ahead:
        return NextDoor(None, None, len(rows))
    chosen = ahead[0]
    url = url_for("sites.household", token=chosen.token) if chosen.token else url_for("sites.door", site_id=chosen.id)
    return NextDoor(door_label(chosen.unit, chosen.room), url, len(rows))
