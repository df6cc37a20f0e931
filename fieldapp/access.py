"""Who may see what. Every lookup by id or token of something a user asked for goes through here.

A user sees their own area and everything below it. Anything outside answers 404, not 403:
a volunteer must not even learn that another station's household exists.
"""

from functools import cache

from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from fieldapp.extensions import db
from fieldapp.limits import INT32_MAX
from fieldapp.models import ApiToken, Area, Site, Tag, Team, User, Visit, in_use


def found_or_404(model, object_id: int | None):
    """The row with this id, or 404 (ids beyond the column's range, sent by hand, included)."""
    row = db.session.get(model, object_id) if object_id is not None and 0 < object_id <= INT32_MAX else None
    if row is None:
        abort(404)
    return row


def visible_area_or_404(area_id: int | None, *levels: str) -> Area:
    """An area inside mine (of one of `levels`, when given)."""
    area = _visible_or_404(Area, area_id, lambda area: area)
    if levels and area.level not in levels:
        abort(404)
    return area


@cache
def _tag_statement():
    """Built once (its eager-load options made building it cost more than running it, profiled)."""
    return (
        select(Tag)
        .where(Tag.token == bindparam("token"))
        .options(joinedload(Tag.site).joinedload(Site.building).joinedload(Area.parent))
    )


def tag_with_door(token: str) -> Tag | None:
    """The tag with this token, its door, the door's building and the grid above it in one query (every door page
    shows them, and recording a visit checks them); the caller checks who may see it."""
    return db.session.scalar(_tag_statement(), {"token": token})


def visible_tag_or_404(token: str) -> Tag:
    """The tag behind a door URL: bound to a site the user may see, or blank and printed for their area."""
    tag = tag_with_door(token)
    if tag is None or not current_user.can_see(tag.place):
        abort(404)
    return tag


def _visible_or_404(model, object_id: int, place):
    """The row with this id, if `place(row)` (the area it belongs to) lies inside mine; else 404."""
    row = found_or_404(model, object_id)
    if not current_user.can_see(place(row)):
        abort(404)
    return row


def visible_tag_by_id_or_404(tag_id: int) -> Tag:
    return _visible_or_404(Tag, tag_id, lambda tag: tag.place)


def visible_site_or_404(site_id: int) -> Site:
    return _visible_or_404(Site, site_id, lambda site: site.building)


def visible_visit_or_404(visit_id: int) -> Visit:
    return _visible_or_404(Visit, visit_id, lambda visit: visit.building)


def visible_user_or_404(user_id: int) -> User:
    return _visible_or_404(User, user_id, lambda user: user.area)


def visible_api_token_or_404(token_id: int) -> ApiToken:
    return _visible_or_404(ApiToken, token_id, lambda token: token.user.area)


def visible_sites():
    """A SELECT of the sites the current user may see, to narrow further."""
    return select(Site).join(Area, Area.id == Site.building_id).where(Area.within(current_user.area))


def areas_within(area: Area):
    """A SELECT of `area` and every area below it in use (archived ones leave every picker), in tree order."""
    return select(Area).where(Area.within(area), in_use()).order_by(Area.path)


def teams_within(area: Area):
    """A SELECT of the teams that belong to `area` or an area below it, by name."""
    return select(Team).join(Area, Area.id == Team.area_id).where(Area.within(area)).order_by(Team.name)


def users_within(area: Area):
    """A SELECT of the accounts bound to `area` or an area below it."""
    return select(User).join(Area, Area.id == User.area_id).where(Area.within(area))
