"""Who may see what. Every lookup of an area, site or tag by id or token goes through here.

A user sees their own area and everything below it. Anything outside answers 404, not 403:
a volunteer must not even learn that another station's household exists.
"""

from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fieldapp.extensions import db
from fieldapp.models import Area, Site, Tag


def require_role(*roles):
    """Refuse (403) a logged-in user whose role is not one of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def visible_area_or_404(area_id: int) -> Area:
    area = db.session.get(Area, area_id)
    if area is None or not current_user.can_see(area):
        abort(404)
    return area


def visible_tag_or_404(token: str) -> Tag:
    """The tag behind a door URL: bound to a site the user may see, or blank and printed for their area."""
    # The door, its building and the grid above come with the tag (one query): every door page shows them.
    tag = db.session.scalar(
        select(Tag)
        .where(Tag.token == token)
        .options(joinedload(Tag.site).joinedload(Site.building).joinedload(Area.parent))
    )
    if tag is None or not current_user.can_see(tag.site.building if tag.site else tag.area):
        abort(404)
    return tag


def visible_site_or_404(site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None or not current_user.can_see(site.building):
        abort(404)
    return site


def visible_sites():
    """A SELECT of the sites the current user may see, to narrow further."""
    return (
        select(Site)
        .join(Area, Area.id == Site.building_id)
        .where(Area.path.startswith(current_user.area.path, autoescape=True))
    )
