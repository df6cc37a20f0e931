"""A real district's first run (issue 14): `flask init-district` creates the district, its stations, the
communities its rosters name, and the first admin. Only the command imports this module."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp.admin.services import create_user
from fieldapp.areas.services import add_area, checked_area_name
from fieldapp.audit import audit
from fieldapp.auth.services import check_new_password
from fieldapp.extensions import db
from fieldapp.models import Area, User
from fieldapp.refusals import Refused


class DistrictExists(Refused):
    def __init__(self, name: str):
        super().__init__(
            _l(
                "This database already holds the district “%(name)s”: a district is started only in an empty one.",
                name=name,
            )
        )
        self.name = name


@dataclass
class StartedDistrict:
    """What `start_district` made: the district, its stations and communities, and its first admin."""

    district: Area
    stations: list[Area]
    communities: list[Area]
    admin: User


def start_district(
    name: str,
    stations: list[str],
    admin_username: str,
    admin_password: str,
    admin_name: str,
    communities: list[tuple[str, str]] = (),
) -> StartedDistrict:
    """A real district's first run (issue 14): the district, its stations (派出所/镇), optionally communities
    under them (社区/村, which roster imports name but do not create), and the first admin with the password
    they chose. Refused, before anything is written, when the database already holds a district: this starts an
    empty database, never adds a second tree beside the demo's or another's. Audited; the caller commits."""
    existing = db.session.scalar(select(Area).where(Area.parent_id.is_(None)).limit(1))
    if existing is not None:
        raise DistrictExists(existing.name)
    name = checked_area_name(name, "name")
    station_names = [checked_area_name(station, "stations") for station in stations]
    if not station_names:
        raise Refused(_l("Name at least one station."), field="stations")
    repeated = sorted({s for s in station_names if station_names.count(s) > 1})
    if repeated:
        raise Refused(_l("Stations named twice: %(names)s.", names="、".join(repeated)), field="stations")
    wanted = [(station.strip(), checked_area_name(community, "communities")) for station, community in communities]
    unknown = sorted({station for station, _ in wanted if station not in station_names})
    if unknown:
        raise Refused(
            _l("Communities under unknown stations: %(names)s.", names="、".join(unknown)), field="communities"
        )
    if len(set(wanted)) < len(wanted):
        raise Refused(_l("A community is named twice under the same station."), field="communities")
    check_new_password(admin_password)

    district = add_area(None, "district", name)
    made_stations = {station: add_area(district, "station", station) for station in station_names}
    made_communities = [add_area(made_stations[station], "community", community) for station, community in wanted]
    for area in (district, *made_stations.values(), *made_communities):
        audit("area.create", area, after={"level": area.level, "name": area.name, "parent_id": area.parent_id})
    admin = create_user(admin_username, admin_password, admin_name or admin_username, "admin", district)
    audit(
        "district.init",
        district,
        after={
            "name": name,
            "stations": station_names,
            "communities": [f"{station}/{community}" for station, community in wanted],
            "admin": admin.username,
        },
    )
    return StartedDistrict(district, list(made_stations.values()), made_communities, admin)
