"""An area's figures and its parts, from the district down to one building's doors."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldapp.access import visible_area_or_404
from fieldapp.areas import bp
from fieldapp.extensions import db
from fieldapp.models import Area, Site
from fieldapp.tallies import child_totals_for

PERIODS = ("all", "today")


def local_today():
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


@bp.get("/areas/<int:area_id>")
@login_required
def show(area_id: int):
    """Coverage, installs and the other figures of an area, with each of its parts."""
    area = visible_area_or_404(area_id)
    period = request.args.get("period", "all")
    if period not in PERIODS:
        period = "all"
    first_day = local_today() if period == "today" else None

    children = list(area.children)
    totals = child_totals_for([area, *children], first_day=first_day)
    # Breadcrumbs stop at the user's own area: above it is not theirs to see.
    ancestors = [db.session.get(Area, ancestor_id) for ancestor_id in area.ancestor_ids[:-1]]
    ancestors = [ancestor for ancestor in ancestors if current_user.can_see(ancestor)]
    sites = []
    if area.level == "building":
        sites = db.session.scalars(
            select(Site)
            .where(Site.building_id == area.id)
            .options(selectinload(Site.tags))
            .order_by(Site.unit, Site.floor, Site.room)
        ).all()
    return render_template(
        "areas/show.html",
        area=area,
        ancestors=ancestors,
        totals=totals[area.id],
        children=[(child, totals[child.id]) for child in children],
        sites=sites,
        period=period,
    )
