"""The coverage map page of an area and the JSON its map draws from (areas/map.py gathers both)."""

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldapp.access import visible_area_or_404
from fieldapp.areas import bp
from fieldapp.areas.forms import MapDayForm
from fieldapp.areas.map import (
    MAX_BUILDINGS,
    MAX_VISITS,
    bucket_labels,
    building_json,
    coverage_days,
    coverage_text,
    map_buildings,
    map_visits,
    tile_settings,
    visit_json,
)
from fieldapp.permissions import may_review
from fieldapp.security import allow_images_from
from fieldapp.visits.clock import local_today


def picked_day(form: MapDayForm):
    """The day asked for, or today (also when what was sent is not a date: the form says so)."""
    return form.day.data if form.day.data and not form.day.errors else local_today()


@bp.get("/areas/<int:area_id>/map")
@login_required
def coverage_map(area_id: int):
    """The area's buildings colored by coverage and, for those who read the daily log, a day's visits with their
    flags: a map when JavaScript runs, the same as tables before it does."""
    area = visible_area_or_404(area_id)
    form = MapDayForm(request.args)
    form.validate()
    day = picked_day(form)
    form.day.data = day
    buildings, building_total = map_buildings(area)
    visits, visit_total = map_visits(area, day) if may_review(current_user) else ([], 0)
    tiles = tile_settings()
    if tiles is not None:
        allow_images_from(tiles.source)
    first_day, _last_day = coverage_days()
    return render_template(
        "areas/map.html",
        area=area,
        form=form,
        day=day,
        tiles=tiles,
        buildings=sorted(buildings, key=lambda row: (row.totals.coverage is None, row.totals.coverage or 0)),
        building_total=building_total,
        unplaced=sum(1 for row in buildings if row.building.lat is None or row.building.lon is None),
        visits=sorted(visits, key=lambda row: not row.looks_wrong),  # stable: by time within each
        visit_total=visit_total,
        max_buildings=MAX_BUILDINGS,
        max_visits=MAX_VISITS,
        buckets=bucket_labels(),
        coverage_text=coverage_text,
        since=first_day,
    )


@bp.get("/areas/<int:area_id>/map.json")
@login_required
def coverage_map_data(area_id: int):
    """What the map draws: buildings with their coverage; a day's visits with flags and trust signals (reviewers)."""
    area = visible_area_or_404(area_id)
    form = MapDayForm(request.args)
    if not form.validate():
        return jsonify({"error": "invalid_day", "message": _("Give the day as a date, e.g. 2026-05-01.")}), 400
    day = picked_day(form)
    tiles = tile_settings()
    buildings, building_total = map_buildings(area)
    reviewer = may_review(current_user)
    visits, visit_total = map_visits(area, day) if reviewer else ([], 0)
    return jsonify(
        {
            "area": {"id": area.id, "name": area.name},
            "crs": tiles.crs if tiles else "wgs84",
            "day": day.isoformat(),
            "buildings": [building_json(row, tiles) for row in buildings],
            "buildings_left_out": building_total - len(buildings),
            "visits": [visit_json(row, tiles) for row in visits] if reviewer else None,
            "visits_left_out": visit_total - len(visits),
        }
    )
