"""The demo district beyond the door: a shopping street, an industrial park and schools (扫街 / 扫企), a few outreach
events (宣讲) and warnings (预警劝阻) followed up on time, late, or still open.

Drawn with dice of their own (random.Random(seed + 1)) and added after everything else, so the households, visits
and key groups the rest of the demo draws stay exactly as they were. Kept out of the places the volunteer's walk
list and the 城关 supervisor's warnings come from: the warnings, and the visits to these sites, are in 江北; 城关's
events were held more than a week ago (its pages show them to date, not this week).
"""

import random
import uuid
from datetime import UTC, datetime, timedelta

from fieldapp.areas.services import add_area
from fieldapp.events.services import EventInput, record_event
from fieldapp.extensions import db
from fieldapp.models import Area, Site, User, WarningStep
from fieldapp.tags.services import mint_tag
from fieldapp.visits.clock import deployment_zone
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit
from fieldapp.warnings.services import WarningInput, create_warning

#: (grid, building name, kind, how many, residents or staff range, name of each site).
PLACES = (
    ("南湖一网格", "南湖商业街", "shop", 6, (2, 6), "商铺{n}号"),
    ("南湖二网格", "南湖中学", "school", 1, (900, 900), "南湖中学"),
    ("滨江一网格", "滨江工业园", "enterprise", 4, (40, 200), "{n}号厂房"),
    ("滨江二网格", "滨江沿街商铺", "shop", 5, (2, 6), "沿街{n}号"),
    ("柳岸一网格", "柳岸小学", "school", 1, (400, 400), "柳岸小学"),
)
#: (area, kind, title, days ago, people reached, leaflets, posters, letters, installs, real-name).
EVENTS = (
    ("东门社区", "lecture", "东门社区防诈骗讲座", 9, 120, 150, 2, 0, 30, 22),
    ("南湖社区", "stall", "南湖广场反诈宣传摊位", 11, 260, 400, 4, 0, 45, 30),
    ("滨江社区", "enterprise", "滨江工业园财务人员培训", 1, 85, 90, 0, 0, 40, 36),
    ("柳岸村", "school", "柳岸小学反诈第一课", 2, 380, 400, 6, 380, 12, 10),
    ("江北派出所", "wechat", "江北辖区居民群推送", 0, 1500, 0, 0, 0, 0, 0),
)
#: (external id, hours ago, call done minutes after receipt, face-to-face done hours after receipt, category).
WARNINGS = (
    ("DEMO-YJ-001", 50, 4, 3, "刷单返利"),  # on time
    ("DEMO-YJ-002", 30, 25, 9.5, "冒充客服"),  # late: both steps past their deadlines
    ("DEMO-YJ-003", 26, 6, 2, "投资理财"),  # on time
    ("DEMO-YJ-004", 3, 5, None, "冒充公检法"),  # open: called, face-to-face due within 8 hours
)


def _local_naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(deployment_zone()).replace(tzinfo=None)


def add_demo_outreach(seed: int, accounts: dict[str, User], walkers: list[User]) -> dict[str, int]:
    """Add the places, talks at some of them, the events and the warnings. `walkers`: 江北's team members, who
    visit the 江北 sites and follow the warnings up. Returns what was made."""
    rng = random.Random(seed + 1)  # noqa: S311 (demo data, not secrets)
    now = datetime.now(UTC).replace(tzinfo=None)
    levels = ("station", "community", "grid")
    areas = {area.name: area for area in db.session.query(Area).filter(Area.level.in_(levels))}
    made = {"other_sites": 0, "other_visits": 0, "events": 0, "warnings": 0}
    for grid_name, building_name, kind, count, staff, site_name in PLACES:
        grid = areas[grid_name]
        beside = grid.children[-1]  # next to the grid's last building: its position is the grid's
        building = add_area(grid, "building", building_name, beside.lat, beside.lon)
        sites = []
        for n in range(1, count + 1):
            site = Site(building_id=building.id, kind=kind, room=site_name.format(n=n), residents=rng.randint(*staff))
            db.session.add(site)
            db.session.flush()
            tag = mint_tag(building, site)
            tag.created_at = tag.bound_at = now - timedelta(days=30)
            sites.append(site)
        made["other_sites"] += count
        if not grid.path.startswith(areas["江北派出所"].path):
            continue
        for site in rng.sample(sites, k=max(1, count // 2 + 1)):
            moment = now - timedelta(days=rng.randrange(3), hours=rng.uniform(1, 6))
            # A shop's customers and staff hear the talk too: never capped by who works there.
            people = rng.randint(3, 30) if site.kind == "shop" else rng.randint(20, min(site.residents, 120))
            installs = rng.randint(0, people // 3)
            talk = VisitInput(
                "talked",
                people,
                installs,
                rng.randint(0, installs),
                notice_signed=True,
                device_time=moment,
                lat=site.lat,
                lon=site.lon,
                accuracy_m=12.0,
            )
            record_visit(rng.choice(walkers), site, talk, str(uuid.UUID(int=rng.getrandbits(128))), received_at=moment)
            made["other_visits"] += 1

    for area_name, kind, title, days_ago, people, leaflets, posters, letters, installs, realname in EVENTS:
        area = areas[area_name]
        by = accounts["supervisor"] if area.path.startswith(areas["城关派出所"].path) else accounts["admin"]
        held = now - timedelta(days=days_ago, hours=rng.uniform(1, 3))
        counts = {
            "people_reached": people,
            "leaflets": leaflets,
            "posters": posters,
            "letters": letters,
            "app_installs": installs,
            "realname_regs": realname,
        }
        record_event(
            by,
            EventInput(kind, area.id, _local_naive(held), title=title, counts=counts),
            str(uuid.UUID(int=rng.getrandbits(128))),
        )
        made["events"] += 1

    grids = [areas["滨江一网格"], areas["滨江二网格"], areas["柳岸一网格"]]
    for external_id, hours_ago, call_after, visit_after, category in WARNINGS:
        received = now - timedelta(hours=hours_ago)
        assignee = rng.choice(walkers)
        warning, _ = create_warning(
            WarningInput(external_id, received, category=category, area=rng.choice(grids), assigned_to=assignee),
            accounts["admin"],
        )
        for step, result, after in (("call", "reached", timedelta(minutes=call_after)), ("visit", "done", None)):
            if step == "visit":
                if visit_after is None:
                    continue
                after = timedelta(hours=visit_after)
            done_at = received + after
            db.session.add(
                WarningStep(
                    client_uuid=str(uuid.UUID(int=rng.getrandbits(128))),
                    warning_id=warning.id,
                    user_id=assignee.id,
                    step=step,
                    result=result,
                    done_at=done_at,
                )
            )
            setattr(warning, "called_at" if step == "call" else "visited_at", done_at)
        made["warnings"] += 1
    db.session.flush()
    return made
