"""The writes of door tags: mint for printing, reprint, blank tags, bind at the door, note a scan.

Each change is audited in the caller's transaction; the caller commits (except `note_scan`, see there).
"""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import Area, Site, Tag
from fieldapp.sites.services import mint_tag

#: More blank tags than this at once is a typing mistake (10 sheets).
MAX_BLANK = 240
#: A tag's scan time is written at most this often, so busy doors do not write on every page view.
SCAN_RESOLUTION = timedelta(minutes=10)


class TagRefused(Exception):
    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


def sites_under(area: Area):
    return (
        select(Site)
        .join(Area, Area.id == Site.building_id)
        .where(Area.path.startswith(area.path, autoescape=True))
        .order_by(Area.path, Site.unit, Site.floor, Site.room)
    )


def mint_missing_tags(area: Area) -> list[Tag]:
    """A tag for every door under `area` still lived in (or new) that has none; audited as one event."""
    sites = db.session.scalars(sites_under(area).where(Site.status != "moved_out")).all()
    minted = [mint_tag(site.building, site) for site in sites if site.active_tag is None]
    if minted:
        audit("tags.mint", area, after={"count": len(minted)})
    return minted


def mint_tags_for(area: Area, sites: list[Site]) -> list[Tag]:
    """A tag for each chosen door that has none (moved-out doors are skipped); audited as one event."""
    minted = [mint_tag(site.building, site) for site in sites if site.active_tag is None and site.status != "moved_out"]
    if minted:
        db.session.flush()
        for site in sites:
            db.session.expire(site, ["tags"])  # so `active_tag` sees the new tags
        audit("tags.mint", area, after={"count": len(minted), "site_ids": [tag.site_id for tag in minted]})
    return minted


def note_print(area: Area, what: str, fmt: str, tags: list[Tag]) -> None:
    """Labels carry addresses: downloading them is an export, kept in the audit trail like the others."""
    audit("tags.print", area, after={"what": what, "format": fmt, "count": len(tags)})


def reprint_tag(site: Site) -> Tag:
    """A lost or damaged tag: retire the old one (its URL now says so) and mint a new one."""
    old = site.active_tag
    if old is not None:
        old.retired_at = utcnow()
    tag = mint_tag(site.building, site)
    db.session.flush()
    audit("tag.reprint", site, before={"tag": old.short_code if old else None}, after={"tag": tag.short_code})
    return tag


def mint_blank_tags(area: Area, count: int) -> list[Tag]:
    """Tags bound to no door yet, for a grid (or building): the first scan there binds each."""
    if not 1 <= count <= MAX_BLANK:
        raise TagRefused(_l("Print from 1 to %(max)d blank tags at a time.", max=MAX_BLANK))
    tags = [mint_tag(area) for _ in range(count)]
    audit("tags.mint_blank", area, after={"count": count, "codes": [tag.short_code for tag in tags]})
    return tags


def bindable_sites(tag: Tag):
    """Doors a blank tag may be stuck on: inside the area it was printed for."""
    return sites_under(tag.area).where(Site.status != "moved_out")


def bind_tag(tag: Tag, site: Site) -> None:
    """Stick a blank tag on a door. A tag the door had before is retired (the new one replaces it)."""
    if tag.site_id is not None or tag.retired_at is not None:
        raise TagRefused(_l("This tag is already bound to a door."))
    if not tag.area.contains(site.building) or site.status == "moved_out":
        raise TagRefused(_l("Choose a door in the area this tag was printed for."))
    replaced = site.active_tag
    if replaced is not None:
        replaced.retired_at = utcnow()
    tag.site_id, tag.bound_at = site.id, utcnow()
    db.session.flush()
    db.session.expire(site, ["tags"])
    audit(
        "tag.bind",
        tag,
        before={"site_id": None},
        after={"site_id": site.id, "door": site.door_label, "replaced": replaced.short_code if replaced else None},
    )


def note_scan(tag: Tag) -> None:
    """Remember that the tag was opened, at most every SCAN_RESOLUTION.

    Written on its own short connection and committed at once: the door page is a GET, whose
    SQLite transaction is a reader that must not turn into a writer midway.
    """
    now = utcnow()
    if tag.last_scanned_at is not None and now - tag.last_scanned_at < SCAN_RESOLUTION:
        return
    with db.engine.begin() as connection:
        connection.execute(
            update(Tag)
            .where(
                Tag.id == tag.id,
                or_(Tag.last_scanned_at.is_(None), Tag.last_scanned_at < now - SCAN_RESOLUTION),
            )
            .values(last_scanned_at=now)
        )
