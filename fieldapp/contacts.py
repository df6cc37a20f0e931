"""Whom to ask about a place: the nearest building leads (楼栋长) and supervisors above it.

Used where a page cannot help and must send the user to a person, e.g. a retired door tag.
Only display names: colleagues' phone numbers are not shown to everyone who scans a door.
"""

from dataclasses import dataclass

from flask import render_template
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Area, Tag, User

#: Names shown per role; more than this is noise on a phone.
SHOWN = 3


@dataclass
class Contacts:
    leads: list[str]
    supervisors: list[str]


def nearest_names(area: Area, role: str) -> list[str]:
    """Active users of `role` bound to `area` or the closest area above it that has any."""
    depth = {area_id: index for index, area_id in enumerate(area.ancestor_ids)}
    users = db.session.scalars(
        select(User).where(User.role == role, User.area_id.in_(depth), User.is_active_account.is_(True))
    ).all()
    if not users:
        return []
    closest = max(depth[user.area_id] for user in users)
    return sorted(user.display_name for user in users if depth[user.area_id] == closest)[:SHOWN]


def whom_to_ask(area: Area) -> Contacts:
    return Contacts(leads=nearest_names(area, "lead"), supervisors=nearest_names(area, "supervisor"))


def retired_tag_page(tag: Tag):
    """The page a retired tag opens (410 Gone): it no longer works, since when, and whom to ask."""
    place = tag.site.building if tag.site else tag.area
    return render_template("sites/tag_retired.html", tag=tag, place=place, contacts=whom_to_ask(place)), 410
