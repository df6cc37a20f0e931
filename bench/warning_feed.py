"""The warning feed and import (warnings.imports.store_warnings): SQL statements and milliseconds per warning for a
batch of 500 warnings stored one by one (a batch of one each, as a platform pushing them singly would) against the
same 500 stored as one batch, in the same run, on SQLite and PostgreSQL.

The warnings are a mix: a third find their household by phone, a third by the door tag's code, a sixth by address,
a sixth find none (they go to the station). The district has two stations of 50 buildings × 20 households, each
building given to a member (包户到人). Each way is rolled back after it is measured, so both store the same
warnings into the same database; their routing (household, area, person) is checked equal.

BENCH_SMOKE=1 runs 50 warnings. Writes bench/results/warning_feed.json.
"""

import json
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade
from sqlalchemy import event

from bench.common import SMOKE, databases, log, scratch_database
from fieldapp import create_app
from fieldapp.admin.services import create_user
from fieldapp.areas.services import add_area
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import MemberAssignment, Site, Team
from fieldapp.tags.services import mint_tag
from fieldapp.warnings.imports import store_warnings
from fieldapp.warnings.services import WarningInput

WARNINGS = 50 if SMOKE else 500
BUILDINGS, DOORS = (5, 10) if SMOKE else (50, 20)


def district():
    """Two stations, each a community, a grid, buildings of households with phones and tags; a member per building."""
    root = add_area(None, "district", "临江区")
    admin = create_user("bench-admin", "bench-password", "管理员", "admin", root)
    doors = []
    for s, name in enumerate(("城关派出所", "东门派出所")):
        station = add_area(root, "station", name)
        grid = add_area(add_area(station, "community", f"{name[:2]}社区"), "grid", "一网格")
        team = Team(name=f"{name}一队", area=station, assigned_areas=[grid])
        db.session.add(team)
        db.session.flush()
        for b in range(BUILDINGS):
            building = add_area(grid, "building", f"{b + 1}号楼", lat=30.0, lon=120.0)
            member = create_user(f"m{s}-{b}", "bench-password", f"队员{s}-{b}", "volunteer", station, team)
            db.session.add(MemberAssignment(area_id=building.id, user_id=member.id, team_id=team.id))
            for d in range(DOORS):
                site = Site(building_id=building.id, unit="1", floor=d // 2 + 1, room=f"{d // 2 + 1}0{d % 2 + 1}",
                            residents=2, contact_phone=f"139{s:02d}{b:03d}{d:03d}", lat=30.0, lon=120.0)  # fmt: skip
                db.session.add(site)
                db.session.flush()
                code = mint_tag(building, site).short_code
                doors.append((f"{name[:2]}社区{b + 1}号楼1单元{site.room}", site.contact_phone, code))
    db.session.commit()
    return root, admin, doors


def inputs(root, doors, run: str) -> list[WarningInput]:
    received = utcnow() - timedelta(minutes=5)
    items = []
    for index in range(WARNINGS):
        address, phone, code = doors[(index * 7) % len(doors)]
        kind = index % 6
        item = WarningInput(f"{run}-{index}", received, area=root, source="bench")
        if kind in (0, 1):
            item.phone = phone
        elif kind in (2, 3):
            item.door_code = code
        elif kind == 4:
            item.address = address
        else:
            item.address = "无此地址1号"
        items.append(item)
    return items


def measured(engine, store) -> tuple[float, int, list]:
    statements = 0

    def count(*_args):
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    started = time.perf_counter()
    try:
        stored = store()
        db.session.flush()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    seconds = time.perf_counter() - started
    routes = [(w.site_id, w.area_id, w.assigned_to_id) for w, _created in stored]
    db.session.rollback()
    return seconds, statements, routes


def one_database(kind: str) -> dict:
    with scratch_database(kind, "warnings") as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            root, admin, doors = district()
            store_warnings(inputs(root, doors, "warm")[:10], admin)  # imports, caches: not the feed's cost
            db.session.rollback()

            def singly():
                stored = []
                for item in items:
                    found, problems = store_warnings([item], admin)
                    assert not problems, problems
                    stored += found
                return stored

            def batched():
                stored, problems = store_warnings(items, admin)
                assert not problems, problems
                return stored

            items = inputs(root, doors, "run")
            one_s, one_statements, one_routes = measured(db.engine, singly)
            items = inputs(root, doors, "run")
            batch_s, batch_statements, batch_routes = measured(db.engine, batched)
            assert one_routes == batch_routes
            found = sum(site is not None for site, _area, _person in batch_routes)
            db.session.remove()
            db.engine.dispose()
    result = {
        "database": kind,
        "warnings": WARNINGS,
        "to_households": found,
        "one_by_one": {"ms_per_warning": round(1000 * one_s / WARNINGS, 2), "statements": one_statements},
        "batch": {"ms_per_warning": round(1000 * batch_s / WARNINGS, 2), "statements": batch_statements},
        "time_ratio": round(batch_s / one_s, 3),
    }
    log(
        f"{kind}: {WARNINGS} warnings ({found} to households): one by one {result['one_by_one']['ms_per_warning']} "
        f"ms and {one_statements / WARNINGS:.1f} statements a warning; one batch "
        f"{result['batch']['ms_per_warning']} ms and {batch_statements} statements in all "
        f"({result['time_ratio']}× the time)"
    )
    return result


def main() -> None:
    results = [one_database(kind) for kind in databases()]
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "warning_feed.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
