"""The GPS evidence of a visit: where the phone was, measured against where the household is."""

from functools import cache

from geographiclib.geodesic import Geodesic
from geopy.distance import ELLIPSOIDS
from sqlalchemy import bindparam, func, select

from fieldapp.models import Site, Visit

#: A fix vaguer than this is flagged (a phone indoors on cell towers only).
GPS_ACCURACY_LIMIT_M = 100
#: A fix within this distance of the household (or within its own accuracy) is "at the door".
GPS_NEAR_M = 50
#: Only fixes this good teach us where a household without imported coordinates is.
LEARNING_ACCURACY_M = 30
#: WGS-84 in kilometres, as geopy's `geodesic` measures it (the same metres to the last bit), built once: geopy
#: built the ellipsoid's series afresh for every distance, half the cost of measuring one (profiled).
_WGS84_KM = Geodesic(ELLIPSOIDS["WGS-84"][0], ELLIPSOIDS["WGS-84"][2])


@cache
def learned_location():
    """SQL: where earlier accurate fixes at the door :site_id put it (learned_lat, learned_lon; NULL when none has).
    Recording a visit reads it with the rest of its evidence, in one statement (trust.signals.evidence)."""
    return select(func.avg(Visit.lat).label("learned_lat"), func.avg(Visit.lon).label("learned_lon")).where(
        Visit.site_id == bindparam("site_id"),
        Visit.counts_in_tallies,
        Visit.lat.is_not(None),
        Visit.accuracy_m <= LEARNING_ACCURACY_M,
        Visit.gps_far.is_(False),
    )


def household_location(site: Site, learned: tuple) -> tuple[float, float] | None:
    """Where the household is: imported, else `learned` from earlier accurate fixes (learned_location), else its
    building."""
    if site.lat is not None and site.lon is not None:
        return site.lat, site.lon
    if learned[0] is not None:
        return float(learned[0]), float(learned[1])
    building = site.building
    if building.lat is not None and building.lon is not None:
        return building.lat, building.lon
    return None


def check_gps(visit: Visit, site: Site, learned: tuple) -> None:
    """Measure the fix against the household and raise the flags a supervisor will look at. `learned`: where
    earlier accurate fixes put the door, (lat, lon) or (None, None), as learned_location reads it."""
    if visit.lat is None or visit.lon is None:
        visit.gps_missing, visit.distance_m = True, None
        return
    visit.gps_missing = False
    visit.gps_inaccurate = visit.accuracy_m is not None and visit.accuracy_m > GPS_ACCURACY_LIMIT_M
    home = household_location(site, learned)
    if home is None:
        visit.distance_m, visit.gps_far = None, False
        return
    kilometres = _WGS84_KM.Inverse(*home, visit.lat, visit.lon, Geodesic.DISTANCE)["s12"]
    visit.distance_m = round(1000 * kilometres, 1)
    visit.gps_far = visit.distance_m > max(GPS_NEAR_M, visit.accuracy_m or 0)
