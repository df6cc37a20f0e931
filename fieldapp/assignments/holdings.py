"""Who holds which area, as a map (area id → holder), and the one rule for changing it.

An area is held by one holder at a time (one team; within a team, one member). Giving an area away takes it
and every part of it from whoever held them, and an enclosing area someone else held is split around it: they
keep its other parts. The same rule serves the team level (`team_areas`) and the member level
(`MemberAssignment`); the services load the map, change it here, and write back only the difference.
"""

from collections.abc import Callable, Hashable

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Area, in_use


def outermost(areas: list[Area]) -> list[Area]:
    """The selected areas without those lying inside another selected one (a grid ticked with its buildings)."""
    kept: list[Area] = []
    for area in sorted(set(areas), key=lambda area: area.path):
        # In path order an area's parts follow it directly: comparing with the last kept one is enough.
        if not kept or not kept[-1].contains(area):
            kept.append(area)
    return kept


def live_children(parent_ids: list[int]) -> dict[int, list[Area]]:
    """Children (not archived) of these areas, in one query."""
    children: dict[int, list[Area]] = {parent_id: [] for parent_id in parent_ids}
    rows = db.session.scalars(select(Area).where(Area.parent_id.in_(parent_ids), in_use()).order_by(Area.path))
    for child in rows:
        children[child.parent_id].append(child)
    return children


def remainder(holder_area: Area, taken: Area) -> list[Area]:
    """What is left of `holder_area` once `taken` (a part of it) is cut out: the siblings along the way down."""
    path = taken.ancestor_ids
    steps = path[path.index(holder_area.id) + 1 :]
    parents = [holder_area.id, *steps[:-1]]
    children = live_children(parents)
    pairs = zip(parents, steps, strict=True)
    return [child for parent, step in pairs for child in children[parent] if child.id != step]


def give(
    hold: dict[int, Hashable],
    areas: dict[int, Area],
    area: Area,
    holder: Hashable | None,
    untouched: Callable[[Hashable], bool] = lambda holder: False,
) -> None:
    """`area` is held by `holder` from now on (None: by nobody), in `hold`; `areas` knows every area in it.

    Holdings for which `untouched(holder)` is true are left as they are (a team's own members keep their
    buildings when the team is given the grid around them).
    """
    covering = [areas[area_id] for area_id in area.ancestor_ids if area_id in hold]
    if holder is not None and any(hold[other.id] == holder for other in covering):
        return  # already theirs, through an enclosing area
    for area_id in [area_id for area_id in hold if area.contains(areas[area_id])]:
        if not untouched(hold[area_id]):
            del hold[area_id]
    for other in covering:
        if other.id == area.id or untouched(hold[other.id]):
            continue
        previous = hold.pop(other.id)
        for part in remainder(other, area):
            areas[part.id] = part
            hold[part.id] = previous
    if holder is not None:
        hold[area.id] = holder


def changes(before: dict[int, Hashable], after: dict[int, Hashable]) -> tuple[set[int], dict[int, Hashable]]:
    """(area ids whose holding ends, {area id: new holder}) between two maps."""
    ended = {area_id for area_id, holder in before.items() if after.get(area_id) != holder}
    started = {area_id: holder for area_id, holder in after.items() if before.get(area_id) != holder}
    return ended, started


def holder_of(hold: dict[int, Hashable], area: Area) -> Hashable | None:
    """Who holds `area`, itself or through the nearest enclosing area."""
    for area_id in reversed(area.ancestor_ids):
        if area_id in hold:
            return hold[area_id]
    return None
