"""The coverage map of an area (覆盖图): its buildings colored by coverage, and one day's visits with their flags.

One place gathers what the page's tables and its map.json both show, so the page without JavaScript and the map
say the same. Nothing personal leaves here: no names, no phones; a door is its building, unit and room as the
area pages show it; a visit's GPS fix is shown only to those who read the daily log (may_review).
"""

import logging
from dataclasses import dataclass
from datetime import date

from flask import current_app, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from fieldapp import labels
from fieldapp.coords import wgs84_to_gcj02
from fieldapp.extensions import db
from fieldapp.models import Area, Visit, VisitSignal, in_use
from fieldapp.periods import current_campaign, period_days
from fieldapp.security import tile_source
from fieldapp.tallies import Totals, child_totals_for

log = logging.getLogger(__name__)

#: Coverage buckets, each the lowest coverage (%) it starts at: none yet, under half, half to 80 %, 80 % to all but
#: the last door, every household. The colors live in static/css/map.css (.cov-0 ... .cov-4), for map and legend.
COVERAGE_BUCKETS = (0.0, 0.001, 50.0, 80.0, 100.0)
#: A map of more than this many buildings (a whole district) is cut, the first ones in tree order drawn.
MAX_BUILDINGS = 3000
#: The most visits of one day drawn at once (a district's busy day); the page says when some are left out.
MAX_VISITS = 2000
#: The datums a tile source may be drawn in: WGS-84 (Tianditu, like GPS) or GCJ-02 (AMap, offset in China).
TILE_CRS = ("wgs84", "gcj02")


def coverage_bucket(covered: int, households: int) -> int | None:
    """0-4 for the colors of the legend, from covered households over resident ones; None without households."""
    if households <= 0:
        return None
    coverage = 100.0 * covered / households
    return max(index for index, start in enumerate(COVERAGE_BUCKETS) if coverage >= start)


def bucket_labels() -> list[tuple[int, str]]:
    """The legend: each bucket with its words."""
    return [
        (0, _("None visited yet")),
        (1, _("Under 50%")),
        (2, _("50–79%")),
        (3, _("80–99%")),
        (4, _("All visited")),
    ]


@dataclass(frozen=True)
class Tiles:
    """Where the map's background comes from (FIELDAPP_MAP_TILES...), or None: a plain background."""

    url: str
    crs: str
    subdomains: str
    attribution: str
    #: The CSP source the page must allow images from.
    source: str


def tile_settings() -> Tiles | None:
    """The tile source from the settings; None when unset or unusable (logged: a wrong datum would put every point
    hundreds of metres off its street, so it is drawn on a plain background instead)."""
    config = current_app.config
    url = (config.get("MAP_TILES") or "").strip()
    if not url:
        return None
    crs = (config.get("MAP_TILES_CRS") or "wgs84").strip().lower()
    source = tile_source(url)
    if crs not in TILE_CRS or source is None:
        log.error("FIELDAPP_MAP_TILES is not an http(s) URL or FIELDAPP_MAP_TILES_CRS is not wgs84 or gcj02: no tiles")
        return None
    return Tiles(url, crs, config.get("MAP_TILES_SUBDOMAINS") or "", config.get("MAP_TILES_ATTRIBUTION") or "", source)


def on_tiles(lat: float | None, lon: float | None, tiles: Tiles | None) -> tuple[float | None, float | None]:
    """A stored WGS-84 point where the tiles draw it ((None, None) for no point)."""
    if lat is None or lon is None:
        return None, None
    if tiles is not None and tiles.crs == "gcj02":
        return wgs84_to_gcj02(lat, lon)
    return lat, lon


@dataclass
class MapBuilding:
    building: Area
    place: str
    totals: Totals

    @property
    def households(self) -> int:
        return self.totals.resident_households

    @property
    def covered(self) -> int:
        return self.totals.households_covered

    @property
    def bucket(self) -> int | None:
        return coverage_bucket(self.covered, self.households)


def coverage_days() -> tuple[date | None, date | None]:
    """The days the map's coverage counts: the current campaign so far, as the area page opens (all days without
    a campaign)."""
    _period, first_day, last_day = period_days("all", {}, current_campaign())
    return first_day, last_day


def map_buildings(area: Area) -> tuple[list[MapBuilding], int]:
    """(buildings in use under `area` with their coverage, in tree order; how many there are in all)."""
    in_area = select(Area).where(Area.level == "building", Area.within(area), in_use())
    total = db.session.scalar(select(func.count()).select_from(in_area.subquery()))
    buildings = db.session.scalars(in_area.order_by(Area.path).limit(MAX_BUILDINGS)).all()
    parent_ids = {building.parent_id for building in buildings}
    parents = dict(db.session.execute(select(Area.id, Area.name).where(Area.id.in_(parent_ids))).tuples().all())
    first_day, last_day = coverage_days()
    totals = child_totals_for(buildings, first_day, last_day, targets=False)
    rows = [MapBuilding(b, parents.get(b.parent_id, ""), totals[b.id]) for b in buildings]
    return rows, total


@dataclass
class MapVisit:
    visit: Visit
    #: Codes of labels.VISIT_FLAGS raised, and of the trust signals (labels.TRUST_SIGNAL_NAMES) found.
    flags: list[str]
    signals: list[str]

    @property
    def looks_wrong(self) -> bool:
        """Drawn as flagged, listed first: the daily log's rule (Visit.review_first)."""
        return self.visit.review_first


def map_visits(area: Area, day: date) -> tuple[list[MapVisit], int]:
    """(the visits of `day` under `area`, not undone, in the order they happened; how many there are in all)."""
    buildings = select(Area.id).where(Area.level == "building", Area.within(area))
    conditions = (Visit.building_id.in_(buildings), Visit.day == day, Visit.undone_at.is_(None))
    total = db.session.scalar(select(func.count(Visit.id)).where(*conditions))
    visits = db.session.scalars(
        select(Visit)
        .where(*conditions)
        .order_by(func.coalesce(Visit.recorded_at, Visit.server_time), Visit.id)
        .limit(MAX_VISITS)
        .options(joinedload(Visit.site), joinedload(Visit.building))
    ).all()
    signals: dict[int, list[str]] = {}
    if visits:
        found = select(VisitSignal.visit_id, VisitSignal.signal).where(
            VisitSignal.visit_id.in_([visit.id for visit in visits])
        )
        for visit_id, signal in db.session.execute(found.order_by(VisitSignal.visit_id, VisitSignal.signal)):
            signals.setdefault(visit_id, []).append(signal)
    rows = [MapVisit(visit, visit.flags, signals.get(visit.id, [])) for visit in visits]
    return rows, total


def coverage_text(row: MapBuilding) -> str:
    if not row.households:
        return _("No resident households")
    return _(
        "%(covered)d of %(households)d households visited (%(percent)s)",
        covered=row.covered,
        households=row.households,
        percent=current_app.jinja_env.filters["percent"](row.totals.coverage),
    )


def building_json(row: MapBuilding, tiles: Tiles | None) -> dict:
    building = row.building
    lat, lon = on_tiles(building.lat, building.lon, tiles)
    return {
        "id": building.id,
        "name": building.name,
        "place": row.place,
        "lat": lat,
        "lon": lon,
        "households": row.households,
        "covered": row.covered,
        "coverage": round(row.totals.coverage, 1) if row.totals.coverage is not None else None,
        "bucket": row.bucket,
        "summary": coverage_text(row),
        "url": url_for("areas.show", area_id=building.id),
    }


def visit_json(row: MapVisit, tiles: Tiles | None) -> dict:
    visit = row.visit
    lat, lon = on_tiles(visit.lat, visit.lon, tiles)
    return {
        "id": visit.id,
        "lat": lat,
        "lon": lon,
        "building_id": visit.building_id,
        "time": format_time(visit.happened_at, "HH:mm"),
        "door": f"{visit.building.name} {visit.site.door_label}",
        "outcome": str(labels.OUTCOMES[visit.outcome]),
        "flags": [{"code": code, "label": str(labels.VISIT_FLAGS[code])} for code in row.flags],
        "signals": [{"code": code, "label": str(labels.TRUST_SIGNAL_NAMES.get(code, code))} for code in row.signals],
        "score": visit.trust_score,
        "score_text": _("Trust score %(score)d", score=visit.trust_score),
        "review": str(labels.REVIEW_STATUSES[visit.review_status]) if visit.review_status != "pending" else None,
        "looks_wrong": row.looks_wrong,
        "log_url": url_for("review.log", area=visit.building_id, day=visit.day.isoformat()),
    }
