"""The writes of door tags: mint for printing, reprint, blank tags, bind at the door, note a scan.

Each change is audited in the caller's transaction; the caller commits (except `note_scan`, see there).
"""

import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import Area, Site, Tag, User, in_use
from fieldapp.permissions import may_replace_door_tag
from fieldapp.refusals import Refused

#: More blank tags than this at once is a typing mistake (10 sheets).
MAX_BLANK = 240
#: A tag's scan time is written at most this often, so busy doors do not write on every page view.
SCAN_RESOLUTION = timedelta(minutes=10)


#: No 0/O, 1/I/L: a short code is read off a door in a dim stairwell and typed.
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class TagRefused(Refused):
    """The tag cannot be made or bound this way."""


def new_short_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(8))


def mint_tag(area: Area, site: Site | None = None) -> Tag:
    """A new door tag with a fresh unguessable token (96 random bits) and short code."""
    for _attempt in range(5):
        tag = Tag(
            token=secrets.token_urlsafe(12),
            short_code=new_short_code(),
            area_id=area.id,
            site_id=site.id if site else None,
            bound_at=utcnow() if site else None,
        )
        try:
            with db.session.begin_nested():
                db.session.add(tag)
            return tag
        except IntegrityError:  # a short code collision: rare, so simply try again
            if tag in db.session:
                db.session.expunge(tag)
    raise RuntimeError("could not mint a unique tag")


def sites_under(area: Area):
    return (
        select(Site)
        .join(Area, Area.id == Site.building_id)
        .where(Area.within(area), in_use())
        .order_by(Area.path, Site.unit, Site.floor, Site.room)
    )


def untagged_sites(area: Area):
    """A SELECT of the doors under `area` still lived in (or new) without a live tag: those "make tags" mints for."""
    live_tag = select(Tag.id).where(Tag.site_id == Site.id, Tag.retired_at.is_(None)).exists()
    return sites_under(area).where(Site.status != "moved_out", ~live_tag)


def blank_tags(area: Area):
    """A SELECT of the blank tags printed for `area` or below it, not yet bound nor retired."""
    return (
        select(Tag)
        .join(Area, Area.id == Tag.area_id)
        .where(Area.within(area), Tag.site_id.is_(None), Tag.retired_at.is_(None))
        .order_by(Tag.id)
    )


def mint_missing_tags(area: Area) -> list[Tag]:
    """A tag for every door under `area` still lived in (or new) that has none; audited as one event."""
    minted = [mint_tag(site.building, site) for site in db.session.scalars(untagged_sites(area)).all()]
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
        raise TagRefused(_l("Print from 1 to %(max)d blank tags at a time.", max=MAX_BLANK), field="count")
    tags = [mint_tag(area) for _ in range(count)]
    audit("tags.mint_blank", area, after={"count": count, "codes": [tag.short_code for tag in tags]})
    return tags


def bindable_sites(tag: Tag):
    """Doors a blank tag may be stuck on: inside the area it was printed for."""
    return sites_under(tag.area).where(Site.status != "moved_out")


def bind_tag(tag: Tag, site: Site | None, user: User) -> None:
    """Stick a blank tag on a door (None: no door was chosen). A tag the door had before is retired,
    which only those who keep the roster may do (`may_replace_door_tag`)."""
    if tag.site_id is not None or tag.retired_at is not None:
        raise TagRefused(_l("This tag is already bound to a door."), field="site_id")
    if site is None or not tag.area.contains(site.building) or site.status == "moved_out":
        raise TagRefused(_l("Choose a door in the area this tag was printed for."), field="site_id")
    replaced = site.active_tag
    if replaced is not None and not may_replace_door_tag(user):
        raise TagRefused(
            _l("This door already has a working tag. Choose a door without one, or ask your building lead."),
            field="site_id",
        )
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
