"""How area pages grow with data: the district, a station and a building page at 10k, 100k and 1M sites.

Builds each database in bulk (SQLite; areas, sites, 30 days of per-area daily rollups as the app
keeps them), logs in as a district admin and times the pages through the app (test client: the
whole request, templates included, no network). Reports p50/p95 of 20 requests per page, and the
ratio of each size to the smallest, measured in the same run. BENCH_SMOKE=1: 1k and 5k sites.
"""

import datetime
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade
from sqlalchemy import select, text

from fieldapp import create_app
from fieldapp.extensions import db
from fieldapp.models import Area, User

SMOKE = os.environ.get("BENCH_SMOKE") == "1"
SIZES = (1_000, 5_000) if SMOKE else (10_000, 100_000, 1_000_000)
REQUESTS = 5 if SMOKE else 20
HOUSEHOLDS_PER_BUILDING, BUILDINGS_PER_GRID, DAYS = 50, 20, 30
SUMS = (
    "visits, talked, people_reached, app_installs, realname_regs, miniprogram_regs,"
    " notices_signed, receipts_collected, households_covered"
)


def build(sites: int, path: str):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "RATELIMIT_ENABLED": False})
    buildings_wanted = sites // HOUSEHOLDS_PER_BUILDING
    fan = max(1, round((buildings_wanted / BUILDINGS_PER_GRID) ** (1 / 3)))  # stations = communities = grids per parent
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        areas, buildings, next_id = [(1, None, "district", "区", "/1/")], [], 2
        for s in range(fan):
            sid, next_id = next_id, next_id + 1
            areas.append((sid, 1, "station", f"{s}所", f"/1/{sid}/"))
            for c in range(fan):
                cid, next_id = next_id, next_id + 1
                areas.append((cid, sid, "community", f"{c}社区", f"/1/{sid}/{cid}/"))
                for g in range(fan):
                    gid, next_id = next_id, next_id + 1
                    areas.append((gid, cid, "grid", f"{g}网格", f"/1/{sid}/{cid}/{gid}/"))
                    for b in range(BUILDINGS_PER_GRID):
                        bid, next_id = next_id, next_id + 1
                        areas.append((bid, gid, "building", f"{b}号楼", f"/1/{sid}/{cid}/{gid}/{bid}/"))
                        buildings.append(bid)
        under: dict[int, int] = {}
        paths = {a[0]: a[4] for a in areas}
        for b in buildings:
            for ancestor in paths[b].strip("/").split("/"):
                under[int(ancestor)] = under.get(int(ancestor), 0) + 1
        connection = db.session.connection()
        connection.execute(
            text(
                "INSERT INTO areas (id, parent_id, level, name, path, created_at, resident_households, residents)"
                " VALUES (:id, :parent, :level, :name, :path, '2026-01-01', :households, :residents)"
            ),
            [
                {
                    "id": a[0],
                    "parent": a[1],
                    "level": a[2],
                    "name": a[3],
                    "path": a[4],
                    "households": HOUSEHOLDS_PER_BUILDING * under.get(a[0], 0),
                    "residents": 3 * HOUSEHOLDS_PER_BUILDING * under.get(a[0], 0),
                }
                for a in areas
            ],
        )
        connection.execute(
            text(
                "INSERT INTO sites (building_id, kind, unit, room, residents, status, created_at)"
                " VALUES (:b, 'household', '', :room, 3, 'occupied', '2026-01-01')"
            ),
            [{"b": b, "room": str(r)} for b in buildings for r in range(HOUSEHOLDS_PER_BUILDING)],
        )
        first = datetime.date(2026, 10, 25)
        values = ",".join(f"{n}*:k" for n in (5, 4, 8, 3, 2, 1, 3, 2, 1))
        connection.execute(
            text(f"INSERT INTO area_daily_tallies (area_id, day, {SUMS}) VALUES (:a, :d, {values})"),
            [{"a": a, "d": first + datetime.timedelta(days=i), "k": k} for a, k in under.items() for i in range(DAYS)],
        )
        admin = User(username="bench-admin", display_name="bench", role="admin", area_id=1)
        admin.set_password("bench-password")
        db.session.add(admin)
        db.session.commit()
        station = db.session.scalar(select(Area.id).where(Area.level == "station"))
        db.engine.dispose()
    return app, len(buildings) * HOUSEHOLDS_PER_BUILDING, {"district": 1, "station": station, "building": buildings[0]}


def time_pages(app, pages: dict) -> dict:
    import re

    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "bench-admin", "password": "bench-password", "csrf_token": token})
    results = {}
    for name, area_id in pages.items():
        client.get(f"/areas/{area_id}")  # warm
        times = []
        for _ in range(REQUESTS):
            start = time.perf_counter()
            response = client.get(f"/areas/{area_id}")
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        times.sort()
        results[name] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
        }
    return results


def main() -> None:
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for size in SIZES:
            started = time.perf_counter()
            app, sites, pages = build(size, f"{folder}/scale-{size}.sqlite")
            built = time.perf_counter() - started
            runs.append({"sites": sites, "build_s": round(built, 1), "pages": time_pages(app, pages)})
    base = runs[0]["pages"]
    print(f"{'sites':>10} {'page':<9} {'p50 ms':>8} {'p95 ms':>8} {'p95 / smallest':>15}")
    for run in runs:
        for name, figures in run["pages"].items():
            ratio = figures["p95_ms"] / base[name]["p95_ms"] if base[name]["p95_ms"] else float("nan")
            figures["p95_ratio_to_smallest"] = round(ratio, 2)
            print(f"{run['sites']:>10,} {name:<9} {figures['p50_ms']:>8} {figures['p95_ms']:>8} {ratio:>15.2f}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "scale_tallies.json").write_text(json.dumps(runs, indent=2))


if __name__ == "__main__":
    main()
