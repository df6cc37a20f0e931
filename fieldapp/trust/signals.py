"""The checks run when a visit is recorded (信任信号): patterns that faked visits leave, each a signal with its
measured facts, added through trust.score.add_signal in record_visit's transaction.

They read only the same volunteer's visits of that day (index ix_visits_user_day) and, for outside_area, the box
around the station's buildings: never a recount of a page of raw visits. A visit is measured against the visits
that happened before it, so `flask rescore` finds what recording found when visits arrived in order.
"""

import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from fieldapp import labels
from fieldapp.extensions import db
from fieldapp.models import Area, Visit, VisitSignal
from fieldapp.trust.score import add_signal, rescore

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
    """Run every record-time check on a stored (flushed) visit and add the signals it raises; returns them.
    The caller commits, in the same transaction as the visit."""
    weight = weights()
    found = find_signals(visit)
    return [signal for signal, detail in found.items() if add_signal(visit, signal, weight[signal], detail)]


def find_signals(visit: Visit, building: Area | None = None) -> dict[str, dict]:
    """The record-time signals a visit raises, each with its measured facts; nothing is written. The visit may be
    not stored yet (no id): recording measures it before its INSERT, so its score goes in with it."""
    config = current_app.config
    found: dict[str, dict] = {}
    earlier = earlier_visits_that_day(visit)
    if visit.lat is not None and visit.lon is not None:
        fast = speed_from_previous_fix(visit, earlier)
        if fast is not None:
            found["too_fast"] = fast
        doors = doors_sharing_fix(visit, earlier)
        if doors >= config["TRUST_SAME_FIX_DOORS"]:
            found["same_fix"] = {"doors": doors}
        outside = metres_outside_area(visit, building or visit.building)
        if outside is not None and outside > config["TRUST_AREA_MARGIN_M"]:
            found["outside_area"] = {"m": round(outside)}
    window = timedelta(minutes=config["TRUST_BURST_MINUTES"])
    in_window = 1 + sum(1 for row in earlier if visit.happened_at - row.at <= window)
    if in_window >= config["TRUST_BURST_VISITS"]:
        found["burst"] = {"visits": in_window, "minutes": config["TRUST_BURST_MINUTES"]}
    if visit.outcome == "talked" and visit.app_installs >= 1:
        talks = [row.app_installs for row in earlier if row.outcome == "talked"] + [visit.app_installs]
        if len(talks) >= config["TRUST_UNIFORM_AFTER"] and len(set(talks)) == 1:
            found["uniform_installs"] = {"visits": len(talks), "installs": visit.app_installs}
    if visit.clock_skewed:
        found["clock"] = {"minutes": round(abs(visit.clock_offset_s or 0) / 60)}
    if visit.recorded_at is not None:
        late = (visit.server_time - visit.recorded_at).total_seconds() / 3600
        if late > config["TRUST_LATE_SYNC_HOURS"]:
            found["late_sync"] = {"hours": round(late)}
    return found


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


class Earlier:
    """What a check needs of one earlier visit by the same volunteer that day."""

    __slots__ = ("accuracy_m", "app_installs", "at", "lat", "lon", "outcome", "site_id")

    def __init__(self, row):
        self.site_id, self.lat, self.lon, self.accuracy_m = row.site_id, row.lat, row.lon, row.accuracy_m
        self.at = row.recorded_at or row.server_time
        self.outcome, self.app_installs = row.outcome, row.app_installs


_EARLIER_COLUMNS = (
    Visit.id,
    Visit.site_id,
    Visit.lat,
    Visit.lon,
    Visit.accuracy_m,
    Visit.recorded_at,
    Visit.server_time,
    Visit.outcome,
    Visit.app_installs,
)


def earlier_visits_that_day(visit: Visit) -> list[Earlier]:
    """The volunteer's visits of that day that happened before this one, oldest first (undone ones left out).

    A visit not stored yet (no id) comes after every stored visit of the same moment: the id it will get is
    larger than any id its transaction can see."""
    query = select(*_EARLIER_COLUMNS).where(
        Visit.user_id == visit.user_id, Visit.day == visit.day, Visit.undone_at.is_(None)
    )
    if visit.id is not None:
        query = query.where(Visit.id != visit.id)
    rows = db.session.connection().execute(query).all()  # Core: plain rows, no ORM layer
    moment = visit.happened_at
    earlier = [(row.recorded_at or row.server_time, row.id, row) for row in rows]
    if visit.id is None:
        chosen = [item for item in earlier if item[0] <= moment]
    else:
        chosen = [item for item in earlier if item[:2] < (moment, visit.id)]
    return [Earlier(row) for _at, _id, row in sorted(chosen, key=lambda e: e[:2])]


def speed_from_previous_fix(visit: Visit, earlier: list[Earlier]) -> dict | None:
    """{"kmh", "m"} when the previous fix is farther than TRUST_MAX_KMH allows, counting only the metres beyond
    both fixes' accuracy (two honest fixes at one door may lie 40 m apart)."""
    config = current_app.config
    previous = next((row for row in reversed(earlier) if row.lat is not None and row.lon is not None), None)
    if previous is None:
        return None
    metres = flat_metres(previous.lat, previous.lon, visit.lat, visit.lon)
    beyond = metres - (previous.accuracy_m or 0) - (visit.accuracy_m or 0)
    if beyond < config["TRUST_FAST_MIN_M"]:
        return None
    seconds = (visit.happened_at - previous.at).total_seconds()
    kmh = beyond / 1000 / (seconds / 3600) if seconds > 0 else math.inf
    if kmh <= config["TRUST_MAX_KMH"]:
        return None
    return {"kmh": min(MAX_SHOWN_KMH, round(kmh)), "m": round(metres)}


def doors_sharing_fix(visit: Visit, earlier: list[Earlier]) -> int:
    """How many doors (this one included) of the volunteer's day have a fix within TRUST_SAME_FIX_M of this one."""
    limit = current_app.config["TRUST_SAME_FIX_M"]
    doors = {visit.site_id}
    for row in earlier:
        if row.site_id in doors or row.lat is None or row.lon is None:
            continue
        if flat_metres(row.lat, row.lon, visit.lat, visit.lon) < limit:
            doors.add(row.site_id)
    return len(doors)


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


def area_bounds(path: str) -> tuple[float, float, float, float] | None:
    """(south, west, north, east) of the buildings with a known location under the area at `path`, or None."""
    south, west, north, east = db.session.execute(
        select(func.min(Area.lat), func.min(Area.lon), func.max(Area.lat), func.max(Area.lon)).where(
            Area.path.startswith(path, autoescape=True),
            Area.level == "building",
            Area.lat.is_not(None),
            Area.lon.is_not(None),
        )
    ).one()
    return None if south is None else (south, west, north, east)


def metres_outside_area(visit: Visit, building: Area) -> float | None:
    """How far the fix lies outside the box around its station's buildings (0 inside; None: no bounds known)."""
    path = bounds_path(building)
    bounds = area_bounds(path) if path is not None else None
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
