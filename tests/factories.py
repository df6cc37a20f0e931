"""Small, explicit builders for test data: a district with two stations."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete

from fieldapp.admin.services import create_user
from fieldapp.areas.services import add_area
from fieldapp.extensions import db
from fieldapp.models import Area, AreaCountChange, Campaign, Site, Target, Team, User
from fieldapp.tags.services import mint_tag

PASSWORD = "secret-password"


@dataclass
class Station:
    area: Area
    community: Area
    grid: Area
    building: Area
    sites: list[Site] = field(default_factory=list)
    volunteer: User | None = None
    supervisor: User | None = None
    lead: User | None = None
    team: Team | None = None


@dataclass
class World:
    district: Area
    a: Station
    b: Station
    admin: User


def test_campaign() -> Campaign:
    """The campaign the test data's targets belong to: one running across every day a test may use."""
    campaign = db.session.query(Campaign).filter_by(name="测试战役").one_or_none()
    if campaign is None:
        campaign = Campaign(name="测试战役", starts_on=date(2020, 1, 1), ends_on=date(2099, 12, 31))
        db.session.add(campaign)
    return campaign


def add_station(district: Area, name: str, prefix: str, households: int = 4) -> Station:
    area = add_area(district, "station", name)
    community = add_area(area, "community", f"{name}社区")
    grid = add_area(community, "grid", f"{name}一网格")
    building = add_area(grid, "building", "1号楼", lat=30.0, lon=120.0)
    station = Station(area, community, grid, building)
    for number in range(1, households + 1):
        site = Site(
            building_id=building.id,
            unit="1",
            floor=number,
            room=f"{number}01",
            residents=3,
            contact_phone="13812341234" if number == 1 else None,
            lat=30.0,
            lon=120.0,
        )
        db.session.add(site)
        db.session.flush()
        mint_tag(building, site)
        station.sites.append(site)
    # One vacant flat: not a resident household, so not in the coverage denominator.
    vacant = Site(building_id=building.id, unit="1", floor=9, room="901", residents=0, status="vacant")
    db.session.add(vacant)
    db.session.flush()
    mint_tag(building, vacant)
    station.sites.append(vacant)
    station.team = Team(name=f"{name}一队", area=area, assigned_areas=[community])
    db.session.add(station.team)
    db.session.flush()
    station.volunteer = create_user(f"{prefix}-volunteer", PASSWORD, f"{name}志愿者", "volunteer", area, station.team)
    station.supervisor = create_user(f"{prefix}-supervisor", PASSWORD, f"{name}负责人", "supervisor", area)
    station.lead = create_user(f"{prefix}-lead", PASSWORD, f"{name}楼栋长", "lead", community)
    db.session.add(Target(campaign=test_campaign(), area=area, measure="app_installs", value=10))
    return station


def make_world() -> World:
    district = add_area(None, "district", "测试区")
    a = add_station(district, "甲派出所", "a")
    b = add_station(district, "乙派出所", "b")
    admin = create_user("district-admin", PASSWORD, "区管理员", "admin", district)
    # The roster stands from before any test's visits (some are dated weeks ago): no count changed since.
    db.session.execute(delete(AreaCountChange))
    db.session.commit()
    return World(district, a, b, admin)
