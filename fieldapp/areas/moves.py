"""Moving a part of the area tree under another parent, and archiving or restoring one (issue 14, item 2).

Both keep every figure exact without recounting a visit: a move rewrites the subtree's paths and carries the
moved area's rollup rows (one per day) and resident counters from the ancestors it leaves to those it joins,
set-based, in SQL; archiving takes an area's resident counters out of the areas above it ("from that day on")
and leaves the rollups alone: what was counted stays counted. Each write is audited; the caller commits.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, insert, literal, select, update
from sqlalchemy.orm import aliased

from fieldapp.areas.services import name_taken
from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import (
    LEVEL_RANK,
    TALLY_FIELDS,
    Area,
    AreaKindCount,
    DailyTally,
    KindDailyTally,
    ProgramDailyTally,
    archived_along,
    in_use,
)
from fieldapp.refusals import Refused
from fieldapp.site_counts import record_count_changes


def editable_part(area: Area, user_area: Area) -> None:
    """Refuse touching the user's own area (the level above moves or archives it) or the district."""
    if area.id == user_area.id or area.parent_id is None:
        raise Refused(_l("Your own area is moved or archived by the level above."))


def move_choices(area: Area, user_area: Area) -> list[Area]:
    """Where `area` may go: areas in use inside the user's, strictly above its level, outside its own subtree,
    other than its parent, in tree order."""
    above = [level for level, rank in LEVEL_RANK.items() if rank < LEVEL_RANK[area.level]]
    return db.session.scalars(
        select(Area)
        .where(
            Area.within(user_area),
            Area.level.in_(above),
            ~Area.within(area),
            Area.id != area.parent_id,
            in_use(),
        )
        .order_by(Area.path)
    ).all()


def check_move(area: Area, new_parent: Area, user_area: Area) -> None:
    """Refuse a move that would break the tree (its own subtree, a parent not above its level, a name taken
    there, archived areas, anything outside the user's area); the confirm page asks it first."""
    editable_part(area, user_area)
    if not (user_area.contains(area) and user_area.contains(new_parent)):
        raise Refused(_l("Both areas must lie inside your own."), field="parent")
    if area.contains(new_parent):
        raise Refused(_l("An area cannot be moved into itself or below itself."), field="parent")
    if LEVEL_RANK[new_parent.level] >= LEVEL_RANK[area.level]:
        raise Refused(_l("The new parent must be above this area's level."), field="parent")
    if new_parent.id == area.parent_id:
        raise Refused(_l("It is already there."), field="parent")
    if archived_along(area) or archived_along(new_parent):
        raise Refused(_l("Archived areas are not moved, nor moved into; restore them first."), field="parent")
    if name_taken(new_parent, area.name):
        raise Refused(_l("“%(name)s” already exists there.", name=area.name), field="parent")


def move_area(area: Area, new_parent: Area, user_area: Area) -> None:
    """Put `area` (and all below it) under `new_parent`, carrying its households, residents and every day's
    rollups from the ancestors it leaves to the ones it joins. Refused, with nothing written, when the move
    would break the tree. Audited; the caller commits."""
    check_move(area, new_parent, user_area)
    old_path, new_path = area.path, f"{new_parent.path}{area.id}/"
    old_above, new_above = set(area.ancestor_ids[:-1]), set(new_parent.ancestor_ids)
    leaving, joining = sorted(old_above - new_above), sorted(new_above - old_above)
    # One order for every row this takes (ids ascending), so two moves never wait on each other in a circle.
    subtree = select(Area.id).where(Area.within(area))
    db.session.execute(
        select(Area.id)
        .where(Area.id.in_(old_above | new_above) | Area.id.in_(subtree))
        .order_by(Area.id)
        .with_for_update()
    )
    db.session.refresh(area)
    households, residents = area.resident_households, area.residents
    _add_counters(leaving, -households, -residents)
    _add_counters(joining, households, residents)
    _carry_rows(DailyTally, ("area_id", "day"), TALLY_FIELDS, area.id, leaving, joining)
    _carry_rows(ProgramDailyTally, ("area_id", "day", "mini_program_id"), ("regs",), area.id, leaving, joining)
    _carry_rows(AreaKindCount, ("area_id", "kind"), ("sites",), area.id, leaving, joining)
    _carry_rows(KindDailyTally, ("area_id", "kind", "day"), ("first_talks", "last_talks"), area.id, leaving, joining)
    db.session.execute(
        update(Area)
        .where(Area.path.startswith(old_path))
        .values(path=literal(new_path) + func.substr(Area.path, len(old_path) + 1))
        .execution_options(synchronize_session=False)
    )
    before = area.parent_id
    db.session.execute(
        update(Area)
        .where(Area.id == area.id)
        .values(parent_id=new_parent.id)
        .execution_options(synchronize_session=False)
    )
    _forget_areas()
    audit(
        "area.move",
        area,
        before={"parent_id": before, "path": old_path},
        after={"parent_id": new_parent.id, "path": new_path},
    )


def _add_counters(area_ids: list[int], households: int, residents: int) -> None:
    if area_ids and (households or residents):
        db.session.execute(
            update(Area)
            .where(Area.id.in_(area_ids))
            .values(resident_households=Area.resident_households + households, residents=Area.residents + residents)
            .execution_options(synchronize_session=False)
        )
        record_count_changes(db.session, {area_id: [households, residents] for area_id in area_ids})


def _carry_rows(model, key: tuple[str, ...], fields: tuple[str, ...], area_id: int, leaving, joining) -> None:
    """Subtract the moved area's rows from each ancestor it leaves and add them to each it joins, day by day,
    in three statements per side (rows a joined ancestor lacks are inserted)."""
    moved = aliased(model)
    same_key = [getattr(moved, name) == getattr(model, name) for name in key[1:]]

    def of_moved(name):
        return select(getattr(moved, name)).where(moved.area_id == area_id, *same_key).scalar_subquery()

    has_moved_row = exists().where(moved.area_id == area_id, *same_key)
    for area_ids, sign in ((leaving, -1), (joining, 1)):
        if not area_ids:
            continue
        values = {
            name: getattr(model, name) + of_moved(name) if sign > 0 else getattr(model, name) - of_moved(name)
            for name in fields
        }
        db.session.execute(
            update(model)
            .where(model.area_id.in_(area_ids), has_moved_row)
            .values(values)
            .execution_options(synchronize_session=False)
        )
    if joining:
        target = aliased(Area)
        existing = aliased(model)
        missing = ~exists().where(
            existing.area_id == target.id, *[getattr(existing, name) == getattr(moved, name) for name in key[1:]]
        )
        rows = select(
            target.id, *[getattr(moved, name) for name in key[1:]], *[getattr(moved, name) for name in fields]
        )
        # Each joined ancestor against each of the moved area's rows (a join on a condition of one side).
        rows = rows.select_from(moved).join(target, target.id.in_(joining)).where(moved.area_id == area_id, missing)
        db.session.execute(insert(model).from_select([*key, *fields], rows))


def _forget_areas() -> None:
    """The statements above bypassed the ORM: loaded areas must read their paths and counters again."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Area):
            db.session.expire(obj)


def archive_area(area: Area, user_area: Area) -> None:
    """Archive a demolished building or a merged grid: it keeps its history and its page, leaves every list,
    and its households and residents leave the counts of the areas above it from now on. Audited."""
    editable_part(area, user_area)
    if archived_along(area):
        raise Refused(_l("This area is already archived."))
    _lock_path(area)
    _add_counters(area.ancestor_ids[:-1], -area.resident_households, -area.residents)
    area.archived_at = utcnow()
    audit("area.archive", area, before={"archived_at": None}, after={"archived_at": area.archived_at.isoformat()})


def restore_area(area: Area, user_area: Area) -> None:
    """Bring an archived area back: its households and residents count above it again. Audited."""
    editable_part(area, user_area)
    if area.archived_at is None:
        raise Refused(_l("This area is not archived."))
    if (above := archived_along(area.parent)) is not None:
        raise Refused(_l("It lies in %(name)s, which is archived: restore that first.", name=above.name))
    _lock_path(area)
    _add_counters(area.ancestor_ids[:-1], area.resident_households, area.residents)
    before = area.archived_at.isoformat()
    area.archived_at = None
    audit("area.restore", area, before={"archived_at": before}, after={"archived_at": None})


def _lock_path(area: Area) -> None:
    """Lock the area and those above it (ids ascending, as site_counts does), then read its counters afresh."""
    db.session.execute(select(Area.id).where(Area.id.in_(area.ancestor_ids)).order_by(Area.id).with_for_update())
    db.session.refresh(area)


def archived_below(area: Area) -> list[Area]:
    """Archived areas inside `area`, in tree order: the 已归档 list."""
    return db.session.scalars(
        select(Area).where(Area.within(area), Area.archived_at.is_not(None)).order_by(Area.path)
    ).all()
