"""Key group writes: add, change, archive, restore, and the marks on a household. Each is audited; the caller
commits. An archived group leaves the edit page's checkboxes, Today and the coverage tables; its marks stay."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select

from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.limits import KEY_GROUP_NAME_MAX, REVISIT_DAYS_MAX
from fieldapp.models import Area, KeyGroup, Site, SiteKeyGroup, User
from fieldapp.refusals import Refused


def all_key_groups() -> list[KeyGroup]:
    """Every group, active ones first, each part by name."""
    return list(db.session.scalars(select(KeyGroup).order_by(KeyGroup.archived_at.is_not(None), KeyGroup.name)))


def active_key_groups() -> list[KeyGroup]:
    return list(db.session.scalars(select(KeyGroup).where(KeyGroup.archived_at.is_(None)).order_by(KeyGroup.id)))


def _clean(name: str, revisit_days: int | None, group: KeyGroup | None = None) -> tuple[str, int | None]:
    name = (name or "").strip()
    if not name:
        raise Refused(_l("Give a name."), field="name")
    if len(name) > KEY_GROUP_NAME_MAX:
        raise Refused(_l("A name has at most %(n)d characters.", n=KEY_GROUP_NAME_MAX), field="name")
    if revisit_days is not None and not 1 <= revisit_days <= REVISIT_DAYS_MAX:
        raise Refused(
            _l("Enter a whole number of days from 1 to %(max)d, or leave it empty.", max=REVISIT_DAYS_MAX),
            field="revisit_days",
        )
    taken = select(KeyGroup.id).where(func.lower(KeyGroup.name) == name.lower())
    if group is not None:
        taken = taken.where(KeyGroup.id != group.id)
    if db.session.scalar(taken):
        raise Refused(_l("There is already a key group named %(name)s.", name=name), field="name")
    return name, revisit_days


def add_key_group(name: str, revisit_days: int | None) -> KeyGroup:
    name, revisit_days = _clean(name, revisit_days)
    group = KeyGroup(name=name, revisit_days=revisit_days)
    db.session.add(group)
    db.session.flush()
    audit("key_group.create", group, after={"name": name, "revisit_days": revisit_days})
    return group


def update_key_group(group: KeyGroup, name: str, revisit_days: int | None) -> bool:
    """Rename a group or change its revisit interval; False when nothing changed."""
    name, revisit_days = _clean(name, revisit_days, group)
    before = {"name": group.name, "revisit_days": group.revisit_days}
    after = {"name": name, "revisit_days": revisit_days}
    if before == after:
        return False
    group.name, group.revisit_days = name, revisit_days
    db.session.flush()
    audit("key_group.update", group, before=before, after=after)
    return True


def set_archived(group: KeyGroup, archived: bool) -> KeyGroup:
    """Archive a group (it leaves forms, Today and coverage; marks stay) or restore it; a no-op if already so."""
    if (group.archived_at is not None) != archived:
        group.archived_at = utcnow() if archived else None
        db.session.flush()
        audit("key_group.archive" if archived else "key_group.restore", group, after={"archived": archived})
    return group


def marked_group_ids(site: Site) -> set[int]:
    return set(db.session.scalars(select(SiteKeyGroup.key_group_id).where(SiteKeyGroup.site_id == site.id)))


def set_site_key_groups(site: Site, group_ids: list[int], user: User) -> bool:
    """Mark a household with exactly these of the active groups (marks of archived groups are kept as they are).
    Audited with the group names before and after; False when nothing changed."""
    active = {group.id: group.name for group in active_key_groups()}
    unknown = set(group_ids) - set(active)
    if unknown:
        raise Refused(_l("That key group no longer exists or was archived; reload the page."), field="key_groups")
    return replace_marks(site, marked_group_ids(site) & set(active), set(group_ids), active, user) is not None


def replace_marks(site: Site, current: set[int], wanted: set[int], names: dict[int, str], user: User | None):
    """Change a household's marks of active groups from `current` to `wanted` ({id: name} of those groups in
    `names`): the one write of marks, for the edit page and the roster import. Returns the audit event, or None
    when nothing changed."""
    if wanted == current:
        return None
    if removed := current - wanted:
        db.session.execute(
            delete(SiteKeyGroup).where(SiteKeyGroup.site_id == site.id, SiteKeyGroup.key_group_id.in_(removed))
        )
    for group_id in sorted(wanted - current):
        db.session.add(SiteKeyGroup(site_id=site.id, key_group_id=group_id, marked_by_id=user.id if user else None))
    db.session.flush()
    return audit(
        "site.key_groups",
        site,
        before={"key_groups": sorted(names[i] for i in current)},
        after={"key_groups": sorted(names[i] for i in wanted)},
    )


def mark_new_sites(marks: dict[int, frozenset[int]], user: User | None) -> int:
    """Mark sites just inserted in bulk (a roster import: {site id: group ids}); returns how many marks. Not audited
    one by one, as the sites themselves are not: the import's own event counts them."""
    rows = [
        {"site_id": site_id, "key_group_id": group_id, "marked_by_id": user.id if user else None}
        for site_id, group_ids in marks.items()
        for group_id in sorted(group_ids)
    ]
    if rows:
        db.session.execute(insert(SiteKeyGroup), rows)
    return len(rows)


def current_marks(site_ids: list[int], group_ids) -> dict[int, set[int]]:
    """{site id: its marks among `group_ids`} for these sites (those with none left out), 500 sites a query."""
    marks: dict[int, set[int]] = {}
    group_ids = list(group_ids)
    if not group_ids:
        return marks
    for start in range(0, len(site_ids), 500):
        rows = db.session.execute(
            select(SiteKeyGroup.site_id, SiteKeyGroup.key_group_id).where(
                SiteKeyGroup.site_id.in_(site_ids[start : start + 500]), SiteKeyGroup.key_group_id.in_(group_ids)
            )
        )
        for site_id, group_id in rows:
            marks.setdefault(site_id, set()).add(group_id)
    return marks


def marks_of_sites(site_ids: list[int]) -> dict[int, list[KeyGroup]]:
    """{site id: its active key groups}: the roster's badges, one query for a building."""
    if not site_ids:
        return {}
    rows = db.session.execute(
        select(SiteKeyGroup.site_id, KeyGroup)
        .join(KeyGroup, KeyGroup.id == SiteKeyGroup.key_group_id)
        .where(SiteKeyGroup.site_id.in_(site_ids), KeyGroup.archived_at.is_(None))
        .order_by(KeyGroup.id)
    ).all()
    marks: dict[int, list[KeyGroup]] = {}
    for site_id, group in rows:
        marks.setdefault(site_id, []).append(group)
    return marks


def marks_within(area: Area) -> dict[int, list[KeyGroup]]:
    """{site id: its active key groups} for every site at or below `area`: the roster export's column."""
    rows = db.session.execute(
        select(SiteKeyGroup.site_id, KeyGroup)
        .join(KeyGroup, KeyGroup.id == SiteKeyGroup.key_group_id)
        .join(Site, Site.id == SiteKeyGroup.site_id)
        .join(Area, Area.id == Site.building_id)
        .where(Area.within(area), KeyGroup.archived_at.is_(None))
        .order_by(KeyGroup.id)
    ).all()
    marks: dict[int, list[KeyGroup]] = {}
    for site_id, group in rows:
        marks.setdefault(site_id, []).append(group)
    return marks
