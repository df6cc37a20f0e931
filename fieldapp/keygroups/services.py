"""Key group writes: add, change, archive, restore, and the marks on a household. Each is audited; the caller
commits. An archived group leaves the edit page's checkboxes, Today and the coverage tables; its marks stay."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.limits import KEY_GROUP_NAME_MAX, REVISIT_DAYS_MAX
from fieldapp.models import KeyGroup, Site, SiteKeyGroup, User
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
    active = {group.id: group for group in active_key_groups()}
    unknown = set(group_ids) - set(active)
    if unknown:
        raise Refused(_l("That key group no longer exists or was archived; reload the page."), field="key_groups")
    current = marked_group_ids(site) & set(active)
    wanted = set(group_ids)
    if wanted == current:
        return False
    if removed := current - wanted:
        db.session.execute(
            delete(SiteKeyGroup).where(SiteKeyGroup.site_id == site.id, SiteKeyGroup.key_group_id.in_(removed))
        )
    for group_id in sorted(wanted - current):
        db.session.add(SiteKeyGroup(site_id=site.id, key_group_id=group_id, marked_by_id=user.id))
    db.session.flush()
    audit(
        "site.key_groups",
        site,
        before={"key_groups": sorted(active[i].name for i in current)},
        after={"key_groups": sorted(active[i].name for i in wanted)},
    )
    return True


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
