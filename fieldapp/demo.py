"""The demo district 临江区: two stations, their communities, grids, ~40 buildings, ~2,000 households.

Deterministic: the same seed gives the same areas, households, people and visits (only the
visit days move with the calendar, so the demo always shows "today" and the days before).

Its accounts share a password printed in the README, so the demo is for development only: `demo-data`
loads it only into the embedded SQLite database (`make run`), the `settings` row "demo_loaded" records
that it is there, every page then says so, and a start that is not `make run` warns while accounts
with the published password remain.
"""

import os
import random
import uuid
from datetime import UTC, datetime, timedelta

from flask import Flask, g
from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from fieldapp.admin.services import create_user
from fieldapp.areas.services import add_area
from fieldapp.config import is_embedded_database
from fieldapp.demo_campaign import demo_campaign, hand_down_demo_targets
from fieldapp.demo_outreach import add_demo_outreach
from fieldapp.extensions import db
from fieldapp.keygroups.demo import seed_demo_key_groups
from fieldapp.models import Area, AreaCountChange, MiniProgram, Setting, Site, Target, Team, User, program_measure
from fieldapp.tags.services import mint_tag
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit

DEMO_PASSWORD = "fieldapp-demo"  # noqa: S105 (demo data only; listed in the README)
#: The `settings` row that says the demo district is in this database.
DEMO_SETTING = "demo_loaded"
#: Set by `make run` for the server it starts: the one start where demo accounts are expected.
DEMO_RUN_ENV = "FIELDAPP_DEMO_RUN"

#: station → community/village → grids; villages hold village groups (组) instead of numbered buildings.
DISTRICT = (
    "临江区",
    [
        ("城关派出所", [("东门社区", ["东门一网格", "东门二网格"]), ("南湖社区", ["南湖一网格", "南湖二网格"])]),
        ("江北派出所", [("滨江社区", ["滨江一网格", "滨江二网格"]), ("柳岸村", ["柳岸一网格", "柳岸二网格"])]),
    ],
)
CENTRE = (30.2741, 120.1551)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞", "平", "刚", "桂英"]

#: The four demo accounts the README lists, all with DEMO_PASSWORD.
DEMO_ACCOUNTS = [
    ("volunteer", "志愿者 小陈", "volunteer", "城关派出所"),
    ("lead", "楼栋长 老周", "lead", "东门社区"),
    ("supervisor", "城关所 刘警官", "supervisor", "城关派出所"),
    ("admin", "区反诈中心 管理员", "admin", "临江区"),
]


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def load_demo(seed: int = 2026, days_of_visits: int = 4) -> dict[str, int]:
    """Create the demo district in the current session and commit. Returns what was made."""
    rng = random.Random(seed)
    made = {"areas": 0, "sites": 0, "users": 0, "visits": 0}
    district = add_area(None, "district", DISTRICT[0], *CENTRE)
    areas_by_name = {district.name: district}  # stations and communities, for accounts and teams
    buildings_by_station: dict[str, list] = {}
    for station_index, (station_name, communities) in enumerate(DISTRICT[1]):
        station = add_area(district, "station", station_name)
        areas_by_name[station_name] = station
        buildings_by_station[station_name] = []
        for community_index, (community_name, grids) in enumerate(communities):
            community = add_area(station, "community", community_name)
            areas_by_name[community_name] = community
            is_village = community_name.endswith("村")
            for grid_index, grid_name in enumerate(grids):
                grid = add_area(community, "grid", grid_name)
                for number in range(1, 6):
                    name = f"{'一二三四五'[number - 1]}组" if is_village else f"{grid_index * 5 + number}号楼"
                    lat = CENTRE[0] + station_index * 0.02 + community_index * 0.006 + rng.uniform(-0.002, 0.002)
                    lon = CENTRE[1] + grid_index * 0.004 + number * 0.0008
                    building = add_area(grid, "building", name, round(lat, 6), round(lon, 6))
                    buildings_by_station[station_name].append(building)
                    add_households(rng, building, is_village)

    teams = {
        "城关一队": Team(name="城关一队", area=areas_by_name["城关派出所"]),
        "城关二队": Team(name="城关二队", area=areas_by_name["城关派出所"]),
        "江北一队": Team(name="江北一队", area=areas_by_name["江北派出所"]),
    }
    teams["城关一队"].assigned_areas = [areas_by_name["东门社区"]]
    teams["城关二队"].assigned_areas = [areas_by_name["南湖社区"]]
    teams["江北一队"].assigned_areas = [areas_by_name["滨江社区"], areas_by_name["柳岸村"]]
    db.session.add_all(teams.values())
    campaign = demo_campaign()
    programs = [MiniProgram(name="金钟罩"), MiniProgram(name="反诈卫士")]
    db.session.add_all(programs)
    db.session.add_all(
        [
            Target(campaign=campaign, area=areas_by_name["城关派出所"], measure="app_installs", value=800),
            Target(campaign=campaign, area=areas_by_name["江北派出所"], measure="app_installs", value=700),
            Target(campaign=campaign, area=areas_by_name["城关派出所"], measure="realname_regs", value=600),
            Target(campaign=campaign, area=areas_by_name["江北派出所"], measure="realname_regs", value=500),
            Target(campaign=campaign, area=areas_by_name["临江区"], measure="app_installs", value=1500),
            Target(campaign=campaign, area=areas_by_name["临江区"], measure="realname_regs", value=1100),
        ]
    )

    accounts = {}
    for username, display_name, role, area_name in DEMO_ACCOUNTS:
        team = teams["城关一队"] if role == "volunteer" else None
        accounts[username] = create_user(username, DEMO_PASSWORD, display_name, role, areas_by_name[area_name], team)
    walkers = {}  # team members who recorded the demo's past visits
    for number, (team_name, team) in enumerate(teams.items(), start=1):
        walkers[team_name] = [
            # "1+2+N": the first is the team's leader, the next two its grid workers; volunteers join below.
            create_user(f"team{number}-{i}", DEMO_PASSWORD, person_name(rng), "volunteer", team.area, team, part)
            for i, part in enumerate(("leader", "grid_worker", "grid_worker"), start=1)
        ]
    made["users"] = len(accounts) + sum(len(members) for members in walkers.values())
    db.session.flush()
    program_ids = [program.id for program in programs]
    station = areas_by_name["城关派出所"]
    db.session.add(Target(campaign=campaign, area=station, measure=program_measure(program_ids[0]), value=300))
    # Station targets handed down by households to the grids (as targets.hand_down does): each weekly row has its %.
    db.session.flush()
    for station_name in ("城关派出所", "江北派出所"):
        hand_down_demo_targets(campaign, areas_by_name[station_name])

    now = datetime.now(UTC).replace(tzinfo=None)
    team_of_station = {"城关派出所": ["城关一队", "城关二队"], "江北派出所": ["江北一队"]}
    for station_name, buildings in buildings_by_station.items():
        for building in buildings:
            sites = db.session.query(Site).filter_by(building_id=building.id).order_by(Site.id).all()
            for site in rng.sample(sites, k=len(sites) // 4):
                days_ago = rng.randrange(days_of_visits)
                moment = now - timedelta(days=days_ago, hours=rng.uniform(0, 6), minutes=rng.uniform(0, 59))
                if moment > now:
                    moment = now
                walker = rng.choice(walkers[rng.choice(team_of_station[station_name])])
                uuid_ = str(uuid.UUID(int=rng.getrandbits(128)))
                # As if it had reached the server then, not all at load time (or every visit is "sent late").
                record_visit(walker, site, demo_visit(rng, site, moment, program_ids), uuid_, received_at=moment)
                made["visits"] += 1
    made["key_group_marks"] = seed_demo_key_groups(rng)
    made.update(add_demo_outreach(seed, accounts, walkers["江北一队"]))
    made["sites"] = db.session.query(Site).count()
    made["areas"] = db.session.query(Area).count()
    # The demo's roster stands from before its visits began: past weeks' reports count its households too.
    db.session.execute(delete(AreaCountChange))
    db.session.add(Setting(name=DEMO_SETTING, value=f"seed {seed}"))
    db.session.commit()
    return made


def add_households(rng: random.Random, building, is_village: bool) -> None:
    """About 50 doors per building; in villages one door per family, numbered along the lane."""
    if is_village:
        doors = [("", None, f"{n}号") for n in range(1, rng.randint(40, 56))]
    else:
        floors = rng.choice([6, 7])
        doors = [
            (str(unit), floor, f"{floor}0{room}")
            for unit in (1, 2)
            for floor in range(1, floors + 1)
            for room in range(1, 5)
        ]
    for unit, floor, room in doors:
        roll = rng.random()
        status = "vacant" if roll < 0.05 else "moved_out" if roll < 0.07 else "occupied"
        kind = "shop" if floor == 1 and not is_village and rng.random() < 0.1 else "household"
        site = Site(
            building_id=building.id,
            kind=kind,
            unit=unit,
            floor=floor,
            room=room,
            residents=0 if status != "occupied" else rng.choice([1, 2, 2, 3, 3, 3, 4, 5]),
            status=status,
            contact_phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}" if rng.random() < 0.3 else None,
            lat=building.lat,
            lon=building.lon,
        )
        db.session.add(site)
        db.session.flush()
        tag = mint_tag(building, site)
        # On the door since before the demo's past visits (a visit before its door's tag reads "no tag yet").
        tag.created_at = tag.bound_at = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=30)


def demo_visit(rng: random.Random, site: Site, moment: datetime, program_ids: list[int] = ()) -> VisitInput:
    # The phone sends its position whatever happened at the door: within ~20 m, 5-35 m accurate.
    where = {
        "lat": site.lat + rng.uniform(-0.0002, 0.0002) if site.lat else None,
        "lon": site.lon + rng.uniform(-0.0002, 0.0002) if site.lon else None,
        "accuracy_m": float(rng.choice([5, 8, 12, 20, 35])),
        "device_time": moment,
    }
    if site.status != "occupied":
        return VisitInput(outcome="vacant", **where)
    outcome = rng.choices(["talked", "not_home", "refused"], weights=[75, 20, 5])[0]
    if outcome != "talked":
        return VisitInput(outcome=outcome, **where)
    people = rng.randint(1, max(1, site.residents))
    installs = rng.randint(0, people)
    realname = rng.randint(0, installs)
    regs = rng.randint(0, people)
    # Split between the mini-programs by the door's own dice, so the rest of the demo stays as it was.
    first = random.Random(site.id).randint(0, regs) if program_ids else regs
    program_regs = dict(zip(program_ids, (first, regs - first), strict=False))
    return VisitInput(
        outcome="talked",
        people_reached=people,
        app_installs=installs,
        realname_regs=realname,
        miniprogram_regs=regs,
        program_regs=program_regs,
        notice_signed=rng.random() < 0.8,
        receipt_collected=rng.random() < 0.5,
        **where,
    )


def demo_loaded() -> bool:
    """The demo district is in this database (asked once per request: base.html shows a banner)."""
    if "demo_loaded" not in g:
        g.demo_loaded = db.session.get(Setting, DEMO_SETTING) is not None
    return g.demo_loaded


def demo_accounts_present() -> list[str]:
    """The demo accounts that still open with the published password (a hash check only for those present)."""
    names = [account[0] for account in DEMO_ACCOUNTS]
    users = db.session.scalars(select(User).where(User.username.in_(names), User.is_active_account.is_(True))).all()
    return sorted(user.username for user in users if user.check_password(DEMO_PASSWORD))


def warn_about_demo_accounts(app: Flask) -> list[str]:
    """Log a loud warning when demo accounts with the published password are present outside `make run`.

    Outside `make run` (no FIELDAPP_DEMO_RUN) or on a database server, they are a door anyone may open.
    A database not yet migrated has nothing to warn about.
    """
    if os.environ.get(DEMO_RUN_ENV) == "1" and is_embedded_database(app.config["SQLALCHEMY_DATABASE_URI"]):
        return []
    with app.app_context():
        try:
            present = demo_accounts_present()
        except SQLAlchemyError:
            db.session.rollback()
            present = []
        finally:
            db.session.remove()
            # No connection outlives the check: gunicorn --preload forks workers after it, and a pooled
            # connection shared by several processes corrupts their conversations with PostgreSQL.
            db.engine.dispose()
    if present:
        app.logger.warning(
            "\n%s\nDEMO ACCOUNTS WITH THE PUBLISHED PASSWORD ARE PRESENT: %s.\n"
            "Anyone can log in as them. This is not a development start (make run): delete these accounts\n"
            "(or change their passwords) before this server is reachable by anyone.\n%s",
            "!" * 78,
            ", ".join(present),
            "!" * 78,
        )
    return present


def register_demo_notices(app: Flask) -> None:
    """The banner of every page and the warning of the accounts page ask these; the start-up check runs once."""
    app.jinja_env.globals.update(demo_loaded=demo_loaded, demo_accounts_present=demo_accounts_present)
    warn_about_demo_accounts(app)
