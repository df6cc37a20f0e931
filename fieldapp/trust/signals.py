"""The checks run when a visit is recorded (信任信号): patterns that faked visits leave, each a signal with its
measured facts, added through trust.score.add_signal in record_visit's transaction.

They read only the same volunteer's visits of that day (index ix_visits_user_day) and, for outside_area, the box
around the station's buildings: never a recount of a page of raw visits. A visit is measured against the visits
that happened before it, so `flask rescore` finds what recording found when visits arrived in order.
"""

import math
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Float, and_, bindparam, case, delete, func, select, text, true, tuple_

from fieldapp import labels
from fieldapp.database import planned_generically
from fieldapp.extensions import db
from fieldapp.limits import INT32_MAX
from fieldapp.models import Area, Visit, VisitSignal
from fieldapp.models.areas import BUILDING_PLACE, path_end, under_path
from fieldapp.trust.score import add_signal, rescore
from fieldapp.visits.gps import learned_location

#: The signals found when a visit is recorded (failed_spot_check comes later, from a spot check).
RECORD_TIME_SIGNALS = ("too_fast", "same_fix", "burst", "uniform_installs", "outside_area", "clock", "late_sync")
#: Every signal code, in the order pages list them (labels.TRUST_SIGNALS holds their reasons).
SIGNALS = (*RECORD_TIME_SIGNALS, "failed_spot_check")
#: What each signal takes off the score of 100 unless FIELDAPP_TRUST_WEIGHTS says otherwise: a visit the
#: volunteer cannot have made (too fast, outside the area, a failed check) costs most; a late phone least.
DEFAULT_WEIGHTS = {
    "too_fast": 30,
    "same_fix": 25,
    "burst": 20,
    "uniform_installs": 15,
    "outside_area": 30,
    "clock": 10,
    "late_sync": 5,
    "failed_spot_check": 40,
}
#: A speed shown in a reason is capped here (two fixes at the same second would be "infinitely" fast).
MAX_SHOWN_KMH = 999


def weights() -> dict[str, int]:
    """The weight of each signal: the defaults, overridden by FIELDAPP_TRUST_WEIGHTS ("burst=30,late_sync=0")."""
    chosen = dict(DEFAULT_WEIGHTS)
    for part in current_app.config.get("TRUST_WEIGHTS", "").split(","):
        name, _sep, value = part.partition("=")
        if name.strip() in chosen and value.strip().isdigit():
            chosen[name.strip()] = int(value)
    return chosen


def reason(signal: str, detail: dict | None) -> str:
    """The plain-language reason of a signal with its measured facts, e.g. "41 km/h from the previous door"."""
    text = labels.TRUST_SIGNALS.get(signal)
    if text is None:
        return signal
    try:
        return str(text) % (detail or {})
    except (KeyError, TypeError, ValueError):  # facts stored by an older version: the reason without them
        return str(labels.TRUST_SIGNAL_NAMES.get(signal, signal))


def check_visit(visit: Visit) -> list[str]:
    """Run every record-time check on a flushed visit, add the signals it raises, return them. Caller commits."""
    weight = weights()
    found, _later = find_signals(visit)
    return [signal for signal, detail in found.items() if add_signal(visit, signal, weight[signal], detail)]


def evidence(visit: Visit, building: Area):
    """What recording `visit` asks the database, in one statement (see _evidence_statement): a row for
    find_signals and, as learned_lat and learned_lon, where earlier accurate fixes put the door (gps.check_gps)."""
    window = timedelta(minutes=current_app.config["TRUST_BURST_MINUTES"])
    before = earlier_than(visit)
    params = {**before, **near_fix(visit), "site_id": visit.site_id, "since": before["moment"] - window}
    path = bounds_path(building)
    params |= {"path": path, "path_end": path and path_end(path)}  # under_path
    connection = planned_generically(db.session.connection())  # not for today's values, which no statistics hold yet
    return connection.execute(_evidence_statement(connection.dialect.name), params).one()


def find_signals(visit: Visit, building: Area | None = None, day=None) -> tuple[dict[str, dict], bool]:
    """(the record-time signals a visit raises, with their measured facts; whether the volunteer has a later visit
    that day). Sets the visit's gap_s, nothing else; the visit may be not stored yet (no id), so its score and gap go
    in with its INSERT. `day`: evidence(visit, building), when the caller has read it already. The day's earlier
    visits are asked for what each check needs, never read whole: a day of 1,000 visits costs what 10 do."""
    config = current_app.config
    found: dict[str, dict] = {}
    building = building or visit.building
    day = day or evidence(visit, building)
    visit.gap_s = gap_seconds(visit.happened_at, day.latest)
    in_window, talks, doors = 1 + int(day.in_window or 0), 1 + int(day.talks or 0), 1 + day.doors  # this one included
    if visit.lat is not None and visit.lon is not None:
        previous = None if day.previous_at is None else (day.previous_lat, day.previous_lon, day.previous_accuracy_m)
        fast = speed_from_previous_fix(visit, previous, day.previous_at)
        if fast is not None:
            found["too_fast"] = fast
        if doors >= config["TRUST_SAME_FIX_DOORS"]:
            found["same_fix"] = {"doors": doors}
        bounds = None if day.south is None else (day.south, day.west, day.north, day.east)
        outside = metres_outside_area(visit, bounds)
        if outside is not None and outside > config["TRUST_AREA_MARGIN_M"]:
            found["outside_area"] = {"m": round(outside)}
    if in_window >= config["TRUST_BURST_VISITS"]:
        found["burst"] = {"visits": in_window, "minutes": config["TRUST_BURST_MINUTES"]}
    if visit.outcome == "talked" and visit.app_installs >= 1:
        same = talks == 1 or day.fewest == day.most == visit.app_installs
        if talks >= config["TRUST_UNIFORM_AFTER"] and same:
            found["uniform_installs"] = {"visits": talks, "installs": visit.app_installs}
    if visit.clock_skewed:
        found["clock"] = {"minutes": round(abs(visit.clock_offset_s or 0) / 60)}
    if visit.recorded_at is not None:
        late = (visit.server_time - visit.recorded_at).total_seconds() / 3600
        if late > config["TRUST_LATE_SYNC_HOURS"]:
            found["late_sync"] = {"hours": round(late)}
    return found, bool(day.later)


def gap_seconds(moment, previous) -> float | None:
    """Visit.gap_s: seconds from the previous visit's moment (None: no previous visit that day)."""
    return None if previous is None else (moment - previous).total_seconds()


def recheck_visit(visit: Visit) -> list[str]:
    """Drop the record-time signals a visit holds and find them again (spot-check signals stay); the score
    follows. Running it twice changes nothing the second time. The caller commits."""
    db.session.execute(
        delete(VisitSignal).where(VisitSignal.visit_id == visit.id, VisitSignal.signal.in_(RECORD_TIME_SIGNALS))
    )
    db.session.flush()
    found = check_visit(visit)
    rescore(visit)
    return found


#: When an earlier visit happened (the phone's moment, else the server's), as SQL.
_happened = func.coalesce(Visit.recorded_at, Visit.server_time)
#: This visit's place in that order, typed as the columns are (SQLite compares the stored text).
_this = tuple_(bindparam("moment", type_=Visit.server_time.type), bindparam("before_id", type_=Visit.id.type))
#: The volunteer's visits of that day that happened before this one (undone ones left out). Of two at the
#: same moment the smaller id came first. (moment, id) is one row value in ix_visits_user_day's order: the previous fix
#: and a later visit are a probe each in the plan made for any day (evidence: database.planned_generically).
_earlier = and_(
    Visit.user_id == bindparam("user_id"),
    Visit.day == bindparam("day"),
    Visit.undone_at.is_(None),
    tuple_(_happened, Visit.id) < _this,
)
#: The volunteer's visits of that day that happened after this one (undone ones left out).
_later = and_(
    Visit.user_id == bindparam("user_id"),
    Visit.day == bindparam("day"),
    Visit.undone_at.is_(None),
    tuple_(_happened, Visit.id) > _this,
)


def earlier_than(visit: Visit) -> dict:
    """The parameters of _earlier for `visit`. One not stored yet (no id) comes after every stored visit of the
    same moment: the id it will get is larger than any id its transaction can see."""
    before_id = visit.id if visit.id is not None else INT32_MAX
    return {"user_id": visit.user_id, "day": visit.day, "moment": visit.happened_at, "before_id": before_id}


@cache
def _evidence_statement(dialect: str):
    """Everything recording a visit asks about it, in one statement (on every visit, just before the door is locked):

    - over the volunteer's earlier visits that day: visits in the burst window, talks and their fewest and most
      installs, and the other doors with a fix within :limit metres of this one (a box first, with plain
      comparisons, then flat_metres' distance with the cosine of this fix's latitude, squared; no fix: all NULL,
      none counted), and the latest moment of them (the gap, Visit.gap_s);
    - whether a visit of that day happened after this one (an index probe; its gap then changes);
    - the latest of them with a fix (previous_lat, previous_lon, previous_accuracy_m, previous_at; NULL if none);
    - the box around the buildings under :path (bounds_path; south, west, north, east; NULL if none is known, or
      :path is NULL);
    - where earlier accurate fixes at the door put it (gps.learned_location: learned_lat, learned_lon).

    Built once: building a statement cost as much as running it (profiled)."""
    talked = Visit.outcome == "talked"
    north = (Visit.lat - bindparam("lat", type_=Float)) * 111_320
    east = (Visit.lon - bindparam("lon", type_=Float)) * bindparam("east_m", type_=Float)
    near = and_(
        Visit.site_id != bindparam("site_id"),
        Visit.lat.between(bindparam("south", type_=Float), bindparam("north", type_=Float)),
        Visit.lon.between(bindparam("west", type_=Float), bindparam("east", type_=Float)),
        north * north + east * east < bindparam("limit_squared", type_=Float),
    )
    day = select(
        func.sum(case((_happened >= bindparam("since"), 1), else_=0)).label("in_window"),
        func.sum(case((talked, 1), else_=0)).label("talks"),
        func.min(case((talked, Visit.app_installs))).label("fewest"),
        func.max(case((talked, Visit.app_installs))).label("most"),
        func.count(case((near, Visit.site_id)).distinct()).label("doors"),
        func.max(_happened).label("latest"),
        # Its own FROM, not correlated with the visits counted around it.
        select(Visit.id).where(_later).correlate(None).exists().label("later"),
    ).where(_earlier)
    previous = (
        select(
            Visit.lat.label("previous_lat"),
            Visit.lon.label("previous_lon"),
            Visit.accuracy_m.label("previous_accuracy_m"),
            _happened.label("previous_at"),
        )
        .where(_earlier, Visit.lat.is_not(None), Visit.lon.is_not(None))
        .order_by(_happened.desc(), Visit.id.desc())
        .limit(1)
    )
    bounds = select(
        func.min(Area.lat).label("south"),
        func.min(Area.lon).label("west"),
        func.max(Area.lat).label("north"),
        func.max(Area.lon).label("east"),
    ).where(under_path(dialect), text(BUILDING_PLACE))  # in the index's own words, which a planner must match
    learned = learned_location().subquery("learned")
    day, previous, bounds = day.subquery("day"), previous.subquery("previous"), bounds.subquery("bounds")
    joined = day.outerjoin(previous, true()).join(bounds, true()).join(learned, true())
    return select(day, previous, bounds, learned).select_from(joined)


def speed_from_previous_fix(visit: Visit, previous: tuple | None, at) -> dict | None:
    """{"kmh", "m"} when the previous fix (lat, lon, accuracy_m), taken `at`, is farther than TRUST_MAX_KMH allows,
    counting only the metres beyond both fixes' accuracy (two honest fixes at one door may lie 40 m apart)."""
    config = current_app.config
    if previous is None:
        return None
    lat, lon, accuracy_m = previous
    metres = flat_metres(lat, lon, visit.lat, visit.lon)
    beyond = metres - (accuracy_m or 0) - (visit.accuracy_m or 0)
    if beyond < config["TRUST_FAST_MIN_M"]:
        return None
    seconds = (visit.happened_at - at).total_seconds()
    kmh = beyond / 1000 / (seconds / 3600) if seconds > 0 else math.inf
    if kmh <= config["TRUST_MAX_KMH"]:
        return None
    return {"kmh": min(MAX_SHOWN_KMH, round(kmh)), "m": round(metres)}


def near_fix(visit: Visit) -> dict:
    """The parameters of the same-fix count for `visit` (all None without a fix: nothing near it)."""
    if visit.lat is None or visit.lon is None:
        return dict.fromkeys(("lat", "lon", "east_m", "south", "north", "west", "east", "limit_squared"))
    limit = current_app.config["TRUST_SAME_FIX_M"]
    east_m = 111_320 * math.cos(math.radians(visit.lat))  # metres in a degree of longitude, here
    lat_span, lon_span = 2 * limit / 111_320, 2 * limit / max(east_m, 1.0)
    box = {"south": visit.lat - lat_span, "north": visit.lat + lat_span}
    box |= {"west": visit.lon - lon_span, "east": visit.lon + lon_span}
    return {"lat": visit.lat, "lon": visit.lon, "east_m": east_m, "limit_squared": limit * limit, **box}


def flat_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Metres between two points of one station (equirectangular: within 0.1% over a few kilometres, and cheap)."""
    north = (lat2 - lat1) * 111_320
    east = (lon2 - lon1) * 111_320 * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(north, east)


def bounds_path(building: Area) -> str | None:
    """The path of the area whose buildings bound a fix: the one right below the district (the station, 派出所,
    or whatever stands there), read off the building's own path without a query."""
    ids = building.ancestor_ids
    return f"/{ids[0]}/{ids[1]}/" if len(ids) >= 3 else None


def metres_outside_area(visit: Visit, bounds: tuple | None) -> float | None:
    """How far the fix lies outside the box (south, west, north, east) around its station's buildings (0 inside;
    None: no bounds known)."""
    if bounds is None:
        return None
    south, west, north, east = bounds
    nearest = (min(max(visit.lat, south), north), min(max(visit.lon, west), east))
    return flat_metres(*nearest, visit.lat, visit.lon)


def signals_of(visit_ids: list[int]) -> dict[int, list[VisitSignal]]:
    """The signals of these visits, heaviest first, by visit id (one query for a page of the log)."""
    found: dict[int, list[VisitSignal]] = {visit_id: [] for visit_id in visit_ids}
    if visit_ids:
        query = select(VisitSignal).where(VisitSignal.visit_id.in_(visit_ids))
        for row in db.session.scalars(query.order_by(VisitSignal.weight.desc(), VisitSignal.signal)):
            found[row.visit_id].append(row)
    return found


def rescore_day(area: Area, day) -> tuple[int, int]:
    """Find the record-time signals again for every visit of `day` under `area` (visits recorded before these
    checks existed, or after a threshold changed); returns (visits checked, signals found). Idempotent: each
    visit is measured against the raw visits before it, never against signals. The caller commits."""
    buildings = select(Area.id).where(Area.level == "building", Area.within(area))
    visits = db.session.scalars(
        select(Visit)
        .where(Visit.building_id.in_(buildings), Visit.day == day, Visit.undone_at.is_(None))
        .order_by(Visit.id)
    ).all()
    found = sum(len(recheck_visit(visit)) for visit in visits)
    return len(visits), found
