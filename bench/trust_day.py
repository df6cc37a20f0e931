"""A generated day for one station: honest walks plus one planted faker, recorded through record_visit so the
trust signals are those found when each visit arrives. Reports whether every planted fake visit scores worse
than every honest one, whether the daily log's first page holds all of them, and what the checks cost per visit.

Honest volunteers walk their buildings door by door: a talk takes 3-7 minutes, a closed door 40-90 s, the walk
to the next building goes at 3-5 km/h; each fix lies 5-20 m from the building (GPS noise) and says so in its
accuracy; installs vary from door to door. The faker sits in an office 2 km outside the station and records
"talks" in bursts of 15, 20 s apart, every one from the same fix and with exactly one install.

    .venv/bin/python bench/trust_day.py        # SQLite; writes bench/results/trust_day.json

tests/test_trust_signals.py records the same day and asserts what this script reports.
"""

import json
import math
import os
import random
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from unittest import mock

from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fieldapp.admin.services import create_user
from fieldapp.areas.services import add_area
from fieldapp.extensions import db
from fieldapp.models import Site, Team, User, Visit
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit

#: The generated day (the server's clock is set to it while recording), and 09:00 in Shanghai.
DAY = date(2026, 3, 10)
START = datetime(2026, 3, 10, 1, 0)
#: The station's centre; buildings stand 80 m apart on a 4 × 2 grid around it.
CENTRE = (30.2700, 120.1500)
BUILDING_SPACING_M = 80
BUILDINGS, FLOORS, ROOMS = 8, 6, 4
HONEST = 5
#: The faker's office: about 2 km north-east, outside the station.
OFFICE = (30.2850, 120.1650)
FAKE_BURSTS, FAKE_PER_BURST = 3, 15


@dataclass
class Planned:
    volunteer: User
    site: Site
    at: datetime
    lat: float
    lon: float
    accuracy_m: float
    outcome: str
    installs: int
    planted: bool


def offset(point: tuple[float, float], north_m: float, east_m: float) -> tuple[float, float]:
    lat, lon = point
    return lat + north_m / 111_320, lon + east_m / (111_320 * math.cos(math.radians(lat)))


def build_station(prefix: str = "gen"):
    """A district with one station, a community, two grids, eight buildings of 24 households, six volunteers."""
    district = add_area(None, "district", f"{prefix}区")
    station = add_area(district, "station", "生成派出所")
    community = add_area(station, "community", "生成社区")
    grids = [add_area(community, "grid", f"第{n}网格") for n in (1, 2)]
    buildings = []
    for number in range(BUILDINGS):
        lat, lon = offset(CENTRE, (number // 4) * BUILDING_SPACING_M, (number % 4) * BUILDING_SPACING_M)
        building = add_area(grids[number // 4], "building", f"{number + 1}号楼", lat=lat, lon=lon)
        for floor in range(1, FLOORS + 1):
            for room in range(1, ROOMS + 1):
                db.session.add(
                    Site(
                        building_id=building.id,
                        unit="1",
                        floor=floor,
                        room=f"{floor}0{room}",
                        residents=3,
                        lat=lat,
                        lon=lon,
                    )
                )
        buildings.append(building)
    team = Team(name="生成一队", area=station, assigned_areas=[community])
    db.session.add(team)
    db.session.flush()
    people = [
        create_user(f"{prefix}-volunteer-{n}", "bench-password", f"志愿者{n}", "volunteer", station, team)
        for n in range(1, HONEST + 2)
    ]
    supervisor = create_user(f"{prefix}-supervisor", "bench-password", "生成负责人", "supervisor", station)
    db.session.flush()
    return station, buildings, people, supervisor


def sites_of(building) -> list[Site]:
    return list(db.session.scalars(db.select(Site).where(Site.building_id == building.id).order_by(Site.id)))


def plan_day(buildings, people, seed: int = 17) -> list[Planned]:
    """The day's visits: each honest volunteer walks the doors of their building(s); the last person fakes."""
    rng = random.Random(seed)
    plan: list[Planned] = []
    honest, faker = people[:HONEST], people[HONEST]
    # Buildings 1-7 are shared among the honest; the faker "covers" building 8 from the office.
    for index, volunteer in enumerate(honest):
        at = START + timedelta(minutes=rng.randint(0, 30))
        mine = [b for n, b in enumerate(buildings[:-1]) if n % HONEST == index]
        where = None
        for building in mine:
            if where is not None:  # walk to the next building at 3-5 km/h
                metres = math.dist(where, (building.lat * 111_320, building.lon * 96_000))
                at += timedelta(seconds=metres / (rng.uniform(3, 5) / 3.6))
            where = (building.lat * 111_320, building.lon * 96_000)
            for site in sites_of(building):
                outcome = rng.choices(["talked", "not_home", "refused"], weights=[55, 35, 10])[0]
                noise, angle = rng.uniform(5, 20), rng.uniform(0, 2 * math.pi)
                lat, lon = offset((building.lat, building.lon), noise * math.sin(angle), noise * math.cos(angle))
                installs = rng.choice([0, 1, 1, 2, 2, 3]) if outcome == "talked" else 0
                plan.append(
                    Planned(
                        volunteer, site, at, lat, lon, round(noise + rng.uniform(0, 8), 1), outcome, installs, False
                    )
                )
                at += timedelta(
                    seconds={"talked": rng.uniform(180, 420), "not_home": rng.uniform(40, 90)}.get(
                        outcome, rng.uniform(30, 60)
                    )
                )
    fake_doors = iter(sites_of(buildings[-1]) + sites_of(buildings[-2]))
    at = START + timedelta(hours=2)
    for _burst in range(FAKE_BURSTS):
        for _visit in range(FAKE_PER_BURST):
            plan.append(Planned(faker, next(fake_doors), at, *OFFICE, 15.0, "talked", 1, True))
            at += timedelta(seconds=20)
        at += timedelta(hours=1)
    return sorted(plan, key=lambda p: p.at)


@contextmanager
def server_clock():
    """Let the server receive each visit a few seconds after the phone made it, on the generated day."""
    now = {"at": START}
    with mock.patch("fieldapp.visits.services.utcnow", lambda: now["at"]):
        yield now


def record_day(plan: list[Planned]) -> dict[int, bool]:
    """Record every planned visit through record_visit, in the order they happen; {visit id: planted}."""
    planted = {}
    with server_clock() as now:
        for p in plan:
            now["at"] = p.at + timedelta(seconds=3)
            data = VisitInput(
                outcome=p.outcome,
                people_reached=p.installs + 1 if p.outcome == "talked" else 0,
                app_installs=p.installs,
                realname_regs=p.installs,
                lat=p.lat,
                lon=p.lon,
                accuracy_m=p.accuracy_m,
                device_time=p.at,
                sent_time=p.at + timedelta(seconds=3),
            )
            visit, _created = record_visit(p.volunteer, p.site, data, str(uuid.uuid4()))
            planted[visit.id] = p.planted
            db.session.commit()
    return planted


def generate_day(seed: int = 17):
    """Build the station and record its day; returns (station, supervisor, {visit id: planted})."""
    station, buildings, people, supervisor = build_station()
    db.session.commit()
    planted = record_day(plan_day(buildings, people, seed))
    return station, supervisor, planted


def verdict(station, planted: dict[int, bool]) -> dict:
    """What the day shows: the scores of honest and planted visits, and what the queue's first page holds."""
    from fieldapp.review.services import day_log

    scores = dict(db.session.execute(db.select(Visit.id, Visit.trust_score).where(Visit.id.in_(planted))).all())
    honest = [scores[v] for v, fake in planted.items() if not fake]
    fake = [scores[v] for v, fake in planted.items() if fake]
    rows, _total = day_log(station, DAY)
    first_page = {visit.id for visit in rows}
    return {
        "honest_visits": len(honest),
        "planted_visits": len(fake),
        "honest_scores": {"min": min(honest), "max": max(honest)},
        "planted_scores": {"min": min(fake), "max": max(fake)},
        "every_planted_worse": max(fake) < min(honest),
        "planted_on_first_page": sum(1 for v, f in planted.items() if f and v in first_page),
        "first_page_size": len(rows),
    }


def main() -> None:
    from flask_migrate import upgrade

    from fieldapp import create_app

    folder = tempfile.mkdtemp()
    uri = f"sqlite:///{folder}/trust.sqlite"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    )
    with app.test_request_context("/"):
        upgrade(directory=str(ROOT / "migrations"))
        # The cost of the checks: the same day recorded on two like stations, without the checks and with them.
        # CPU time of this process (the machine is shared: wall time would measure the neighbours) and SQL
        # statements, per visit.
        cost = {}
        statements = [0]
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.__setitem__(0, statements[0] + 1))
        for label in ("without_checks", "with_checks"):
            station, buildings, people, _supervisor = build_station(label)
            db.session.commit()
            plan = plan_day(buildings, people)
            # Without the checks' own work; their one read (trust.signals.evidence) stays, as the GPS check shares it.
            stub = mock.patch("fieldapp.visits.services.find_signals", lambda visit, building, day: ({}, False))
            statements[0], started = 0, time.process_time()
            with stub if label == "without_checks" else nullcontext():
                planted = record_day(plan)
            cost[label] = {
                "cpu_ms_per_visit": round((time.process_time() - started) * 1000 / len(plan), 2),
                "statements_per_visit": round(statements[0] / len(plan), 1),
            }
        result = verdict(station, planted)
        result["record_visit_cost"] = cost
        # The review queue's first page for the day: ordering by score and drawing the sample happen in SQL.
        from fieldapp.review.services import day_log

        runs = []
        for _run in range(5):
            started = time.process_time()  # CPU of this process (SQLite runs in it); the machine is shared
            day_log(station, DAY)
            runs.append((time.process_time() - started) * 1000)
        result["first_page_cpu_ms_median"] = round(sorted(runs)[2], 1)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "trust_day.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    os.environ.setdefault("FIELDAPP_SECURE_COOKIES", "0")
    main()
