"""What a printed door tag says: the URL its QR holds, its short code, and the address in Chinese."""

from flask import current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp.config import is_embedded_database
from fieldapp.extensions import db
from fieldapp.models import Area, Tag, door_label
from fieldapp.tags.sheet import Label


class BaseUrlMissing(Exception):
    """Tags cannot be printed: FIELDAPP_BASE_URL is unset outside development."""

    message = _l(
        "Door tags cannot be printed yet: set FIELDAPP_BASE_URL to the address volunteers open"
        " (e.g. https://fz.example.gov.cn) and restart. Without it a tag's QR code would point at whatever"
        " address this request claimed to come to."
    )


def base_url() -> str:
    """FIELDAPP_BASE_URL; else, on the embedded SQLite database only (development, `make run` on a LAN),
    the address of this request. Anywhere else the Host header is the client's to choose, and a printed
    tag lives on a door for years: refuse instead (BaseUrlMissing)."""
    configured = current_app.config.get("BASE_URL")
    if configured:
        return configured
    if is_embedded_database(current_app.config["SQLALCHEMY_DATABASE_URI"]):
        return request.url_root
    raise BaseUrlMissing()


def tag_url(tag: Tag) -> str:
    """What the QR holds: {base}/h/{token} (see `base_url`)."""
    return f"{base_url().rstrip('/')}/h/{tag.token}"


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
            # Printed tags stay in Chinese whatever the printer's language: they are stuck on doors for residents.
            door = door_label(tag.site.unit, tag.site.room, printed=True)
        else:
            address = [" ".join(area.name for area in chain), _("Blank tag: scan to choose the room")]
            door = _("Which room?")
        labels.append(Label(url=tag_url(tag), short_code=tag.short_code, address=address, door=door))
    return labels
