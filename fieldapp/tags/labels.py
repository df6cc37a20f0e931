"""What a printed door tag says: the URL its QR holds, its short code, and the address in Chinese."""

from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Area, Tag
from fieldapp.tags.sheet import Label


def tag_url(tag: Tag) -> str:
    """What the QR holds: {base}/h/{token}, base from FIELDAPP_BASE_URL or this request."""
    base = current_app.config.get("BASE_URL") or request.url_root
    return f"{base.rstrip('/')}/h/{tag.token}"


def area_names(areas_ids: set[int]) -> dict[int, Area]:
    return {area.id: area for area in db.session.scalars(select(Area).where(Area.id.in_(areas_ids)))}


def labels_for(tags: list[Tag]) -> list[Label]:
    """Labels in the order given: address from the community down, the door in big type."""
    places = [tag.place for tag in tags]
    names = area_names({ancestor for place in places for ancestor in place.ancestor_ids})
    labels = []
    for tag, place in zip(tags, places, strict=True):
        chain = [names[i] for i in place.ancestor_ids if names[i].level in ("community", "grid", "building")]
        if tag.site:
            above = [area.name for area in chain if area.level != "building"]
            address = [" ".join(above), place.name] if place.level == "building" else [" ".join(above)]
            door = tag.site.door_label
        else:
            address = [" ".join(area.name for area in chain), _("Blank tag: scan to choose the room")]
            door = _("Which room?")
        labels.append(Label(url=tag_url(tag), short_code=tag.short_code, address=address, door=door))
    return labels
