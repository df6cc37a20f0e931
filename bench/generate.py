"""Bench data: a district of N sites and M visits over 30 days, written in bulk, tallies consistent.

    .venv/bin/python bench/generate.py --database-url sqlite:///instance/big.sqlite --sites 1000000 --visits 5000000

The shape follows the published campaign reports: a district of up to 8 stations (派出所),
communities of ~10 grids, grids of ~5 buildings, ~50 doors a building (30-70; big buildings have
units), 92% households, the rest shops, enterprises and schools. Every site gets a live QR door tag.
Each station has a supervisor and one volunteer per ~2,000 sites in teams of four; the district an
admin. All accounts share BENCH_PASSWORD.

Visits come as teams work: on each day (weekends 1.8x busier) a volunteer sweeps a building,
knocking on ~80% of its doors one after another; 60% of knocks are talks. Rows are written with
executemany (SQLite) or COPY (PostgreSQL), never one ORM object at a time, and the DailyTally
rollups, households covered and `sites.covered_by_visit_id` are computed in the same pass with the
same rules as `record_visit`, so `flask --app wsgi verify-tallies` finds no difference.
The schema comes from the Alembic migrations, as for the app.
"""

import argparse
import math
import os
import random
import secrets
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_PASSWORD, ROOT, log

DAYS = 30
CENTRE = (30.2741, 120.1551)
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#: A multiplier coprime to 31**8 turns the site number into a unique, random-looking short code.
SHORT_CODE_STEP = 1_000_000_007
BATCH = 50_000
AREA_COLUMNS = ("id", "parent_id", "level", "name", "path", "lat", "lon", "created_at")
SITE_COLUMNS = (
    "id",
    "building_id",
    "kind",
    "unit",
    "floor",
    "room",
    "residents",
    "status",
    "contact_phone",
    "lat",
    "lon",
    "created_at",
)
TAG_COLUMNS = ("id", "token", "short_code", "site_id", "area_id", "created_at", "bound_at")
TEAM_COLUMNS = ("id", "name", "area_id", "created_at")
USER_COLUMNS = ("id", "username", "password_hash", "display_name", "role", "area_id", "team_id", "active", "created_at")
VISIT_COLUMNS = (
    "id",
    "client_uuid",
    "site_id",
    "building_id",
    "user_id",
    "team_id",
    "outcome",
    "people_reached",
    "app_installs",
    "realname_regs",
    "miniprogram_regs",
    "notice_signed",
    "receipt_collected",
    "note",
    "lat",
    "lon",
    "accuracy_m",
    "device_time",
    "server_time",
    "day",
    "distance_m",
    "gps_missing",
    "gps_inaccurate",
    "gps_far",
    "gap_s",
    "review_status",
)
SUM_COLUMNS = (
    "visits",
    "talked",
    "people_reached",
    "app_installs",
    "realname_regs",
    "miniprogram_regs",
    "notices_signed",
    "receipts_collected",
    "households_covered",
)
AREA_TALLY_COLUMNS = ("area_id", "day", *SUM_COLUMNS)
USER_TALLY_COLUMNS = ("user_id", "team_id", "day", *SUM_COLUMNS)


def review_status(visit_id: int) -> str:
    """Supervisors' verdicts on a few visits, as a district's log has them (~4% approved, ~0.5% with issues; none
    rejected, which would leave the rollups): the review tallies' partial index then holds rows, and statistics."""
    if visit_id % 211 == 0:
        return "has_issues"
    return "approved" if visit_id % 23 == 0 else "pending"


def update_area_counts(writer, rows: list[tuple[int, int, int]]) -> None:
    """Set (resident households, residents) on areas by id, in bulk."""
    if writer.dialect == "sqlite":
        writer.driver.executemany("UPDATE areas SET resident_households = ?, residents = ? WHERE id = ?", rows)
        return
    writer.execute("CREATE TEMPORARY TABLE area_counts (households integer, residents integer, area_id integer)")
    writer.rows("area_counts", ("households", "residents", "area_id"), rows)
    writer.execute(
        "UPDATE areas SET resident_households = c.households, residents = c.residents"
        " FROM area_counts c WHERE areas.id = c.area_id"
    )
    writer.execute("DROP TABLE area_counts")


def short_code(number: int) -> str:
    value = (number * SHORT_CODE_STEP) % (31**8)
    chars = []
    for _ in range(8):
        value, digit = divmod(value, 31)
        chars.append(SHORT_CODE_ALPHABET[digit])
    return "".join(chars)


class Writer:
    """Bulk rows into one database: executemany on SQLite, COPY on PostgreSQL, one transaction."""

    def __init__(self, engine):
        self.engine = engine
        self.dialect = engine.dialect.name
        self.raw = engine.raw_connection()
        self.driver = self.raw.driver_connection
        if self.dialect == "sqlite":
            self.driver.execute("PRAGMA foreign_keys=OFF")  # sites ↔ visits point at each other
            self.driver.execute("PRAGMA cache_size=-1000000")
            self.driver.execute("PRAGMA synchronous=OFF")
            self.driver.execute("BEGIN")

    def rows(self, table: str, columns: tuple, rows) -> None:
        if self.dialect == "sqlite":
            marks = ", ".join("?" * len(columns))
            self.driver.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        else:
            with self.driver.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def execute(self, sql: str) -> None:
        if self.dialect == "sqlite":
            self.driver.execute(sql)
        else:
            with self.driver.cursor() as cursor:
                cursor.execute(sql)

    def finish(self, tables: list[str]) -> None:
        if self.dialect == "postgresql":
            for table in tables:
                self.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            self.driver.commit()
            self.driver.autocommit = True
            # VACUUM too, as autovacuum would have by then: without a visibility map an index-only scan fetches
            # every row from the table, and the planner prefers a sequential scan (unvisited count: 96 -> 15 ms).
            self.execute("VACUUM ANALYZE")
        else:
            self.driver.execute("COMMIT")
            self.driver.execute("PRAGMA foreign_keys=ON")
            self.driver.execute("ANALYZE")
        self.raw.close()


def generate(
    database_url: str,
    sites: int,
    visits: int,
    seed: int = 7,
    today: date | None = None,
    ending_yesterday=False,
    doors_per_volunteer: int = 2000,
) -> dict:
    """Fill an empty database. Returns what was made and how long it took, with ids worth measuring.

    `ending_yesterday`: for a bench whose phones then record visits with the clock's time. A generated day runs
    09:00-24:00 local time, so today's visits would mostly lie ahead of the clock (all of them before 09:00), and
    every visit recorded would arrive as if late, before the volunteer's later ones, and pay for re-timing them.
    `doors_per_volunteer`: each station gets one volunteer per so many of its doors (at least two); the submit
    bench asks for one per 40, so that its volunteers' past days look like the day its phones record."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select
    from werkzeug.security import generate_password_hash

    from fieldapp import create_app
    from fieldapp.extensions import db
    from fieldapp.models import Area

    started = time.monotonic()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "generate"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        if db.session.scalar(select(func.count(Area.id))):
            raise SystemExit("The database already holds areas; bench data goes only into an empty database.")
        db.session.remove()
        timezone = ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])
        today = today or datetime.now(timezone).date() - timedelta(days=int(ending_yesterday))
        writer = Writer(db.engine)
        password_hash = generate_password_hash(BENCH_PASSWORD)
        made = _fill(writer, sites, visits, seed, today, password_hash, doors_per_volunteer)
        writer.finish(["areas", "sites", "tags", "teams", "users", "visits"])
        db.engine.dispose()
    made["seconds"] = round(time.monotonic() - started, 1)
    return made


def _fill(
    writer: Writer, n_sites: int, n_visits: int, seed: int, today: date, password_hash: str, doors_per_volunteer: int
) -> dict:
    rng = random.Random(seed)
    created = f"{today - timedelta(days=DAYS + 1)} 00:00:00.000000"

    # Buildings of 30-70 doors until the sites run out; then grids, communities, stations above them.
    sizes = []
    while sum(sizes) < n_sites:
        sizes.append(rng.randint(30, 70))
    sizes[-1] -= sum(sizes) - n_sites
    if sizes[-1] <= 0:
        sizes.pop()
    n_buildings = len(sizes)
    n_grids = max(1, math.ceil(n_buildings / 5))
    n_communities = max(1, math.ceil(n_grids / 10))
    n_stations = max(1, min(8, n_communities))

    areas = []  # (id, parent_id, level, name, path, lat, lon, created_at)
    next_id = 1
    areas.append((1, None, "district", "临江区", "/1/", *CENTRE, created))
    station_ids, station_paths = [], []
    for index in range(n_stations):
        next_id += 1
        station_ids.append(next_id)
        station_paths.append(f"/1/{next_id}/")
        areas.append((next_id, 1, "station", f"第{index + 1}派出所", station_paths[-1], None, None, created))
    community_ids, community_paths, community_station = [], [], []
    for index in range(n_communities):
        next_id += 1
        station = index % n_stations
        community_ids.append(next_id)
        community_station.append(station)
        community_paths.append(f"{station_paths[station]}{next_id}/")
        name = f"第{index // n_stations + 1}社区"
        areas.append((next_id, station_ids[station], "community", name, community_paths[-1], None, None, created))
    grid_ids, grid_paths, grid_station = [], [], []
    for index in range(n_grids):
        next_id += 1
        community = index % n_communities
        grid_ids.append(next_id)
        grid_station.append(community_station[community])
        grid_paths.append(f"{community_paths[community]}{next_id}/")
        name = f"第{index // n_communities + 1}网格"
        areas.append((next_id, community_ids[community], "grid", name, grid_paths[-1], None, None, created))
    building_ids, building_station, building_grid, building_location = [], [], [], []
    for index in range(n_buildings):
        next_id += 1
        grid = index % n_grids
        building_ids.append(next_id)
        building_grid.append(grid)
        building_station.append(grid_station[grid])
        lat = CENTRE[0] + rng.uniform(-0.05, 0.05)
        lon = CENTRE[1] + rng.uniform(-0.05, 0.05)
        building_location.append((lat, lon))
        name = f"{index // n_grids + 1}号楼"
        areas.append((next_id, grid_ids[grid], "building", name, f"{grid_paths[grid]}{next_id}/", lat, lon, created))
    writer.rows("areas", AREA_COLUMNS, areas)
    log(f"  {len(areas):,} areas ({n_stations} stations, {n_grids:,} grids, {n_buildings:,} buildings)")

    # Sites and their door tags, building by building.
    kinds = ("household",) * 92 + ("shop",) * 6 + ("enterprise",) * 1 + ("school",)
    statuses = ("occupied",) * 90 + ("vacant",) * 7 + ("moved_out",) * 3
    site_rows, tag_rows = [], []
    site_kind_household = bytearray(n_sites + 1)
    # Vacant and moved-out doors answer nobody: no talk there, or coverage would pass 100% of resident households.
    site_lived_in = bytearray(n_sites + 1)
    resident_by_building: dict[int, list[int]] = {}
    building_sites: list[range] = []
    site_id = 0
    for index, size in enumerate(sizes):
        building_id = building_ids[index]
        first = site_id + 1
        per_unit = 24 if size > 30 else size
        for door in range(size):
            site_id += 1
            unit = str(door // per_unit + 1) if size > 30 else ""
            in_unit = door % per_unit
            floor = in_unit // 4 + 1
            kind = kinds[rng.randrange(100)]
            status = statuses[rng.randrange(100)]
            site_kind_household[site_id] = kind == "household"
            site_lived_in[site_id] = status == "occupied"
            residents = rng.randint(1, 5) if status == "occupied" else 0
            if kind == "household" and status == "occupied":
                resident = resident_by_building.setdefault(building_id, [0, 0])
                resident[0] += 1
                resident[1] += residents
            phone = f"138{rng.randrange(10**8):08d}" if rng.random() < 0.3 else None
            site_rows.append(
                (site_id, building_id, kind, unit, floor, f"{floor}{in_unit % 4 + 1:02d}", residents, status, phone)
                + (None, None, created)
            )
            tag_rows.append(
                (site_id, secrets.token_urlsafe(12), short_code(site_id), site_id, building_id, created, created)
            )
        building_sites.append(range(first, site_id + 1))
        if len(site_rows) >= BATCH:
            writer.rows("sites", SITE_COLUMNS, site_rows)
            writer.rows("tags", TAG_COLUMNS, tag_rows)
            site_rows, tag_rows = [], []
    writer.rows("sites", SITE_COLUMNS, site_rows)
    writer.rows("tags", TAG_COLUMNS, tag_rows)
    log(f"  {n_sites:,} sites and tags")

    # Resident counts kept on every area (the app keeps them with each site change).
    ancestors = {area[0]: [int(part) for part in area[4].strip("/").split("/")] for area in areas}
    counts: dict[int, list[int]] = {}
    for building_id, (households, residents) in resident_by_building.items():
        for area_id in ancestors[building_id]:
            total = counts.setdefault(area_id, [0, 0])
            total[0] += households
            total[1] += residents
    update_area_counts(writer, [(h, r, area_id) for area_id, (h, r) in counts.items()])

    # People: an admin, per station a supervisor and volunteers in teams of four.
    team_rows, user_rows, team_area_rows = [], [], []
    user_rows.append((1, "admin", password_hash, "区反诈中心", "admin", 1, None, True, created))
    volunteers_of_station: list[list[tuple[int, int]]] = []
    grids_of_station = [[grid_ids[g] for g in range(n_grids) if grid_station[g] == s] for s in range(n_stations)]
    user_id, team_id = 1, 0
    for station in range(n_stations):
        station_sites = sum(sizes[b] for b in range(n_buildings) if building_station[b] == station)
        user_id += 1
        user_rows.append(
            (user_id, f"sup{station + 1}", password_hash, f"第{station + 1}所负责人", "supervisor")
            + (station_ids[station], None, True, created)
        )
        volunteers = []
        for number in range(max(2, math.ceil(station_sites / doors_per_volunteer))):
            if number % 4 == 0:
                team_id += 1
                team_rows.append((team_id, f"第{station + 1}所{number // 4 + 1}队", station_ids[station], created))
            user_id += 1
            volunteers.append((user_id, team_id))
            user_rows.append(
                (user_id, f"v{station + 1}_{number + 1}", password_hash, f"志愿者{station + 1}-{number + 1}")
                + ("volunteer", station_ids[station], team_id, True, created)
            )
        volunteers_of_station.append(volunteers)
        teams = sorted({team for _user, team in volunteers})
        for index, grid_id in enumerate(grids_of_station[station]):
            team_area_rows.append((teams[index % len(teams)], grid_id))
    writer.rows("teams", TEAM_COLUMNS, team_rows)
    writer.rows("users", USER_COLUMNS, user_rows)
    writer.rows("team_areas", ("team_id", "area_id"), team_area_rows)
    log(f"  {len(user_rows):,} users in {len(team_rows):,} teams")

    # Visits, day by day, building sweep by building sweep; rollups and coverage in the same pass.
    days = [today - timedelta(days=offset) for offset in range(DAYS - 1, -1, -1)]
    weights = [1.8 if day.weekday() >= 5 else 1.0 for day in days]
    per_day = [round(n_visits * weight / sum(weights)) for weight in weights]
    per_day[-1] += n_visits - sum(per_day)
    tallies: dict[tuple[int, str], list[int]] = {}
    user_tallies: dict[tuple[int, int, str], list[int]] = {}
    covered = bytearray(n_sites + 1)
    covering: list[tuple[int, int]] = []
    uuid_prefix = f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4000-8000-"
    visit_id = 0
    rows, day_rows = [], []
    outcomes = ("talked",) * 60 + ("not_home",) * 30 + ("refused",) * 7 + ("vacant",) * 3
    for day, wanted in zip(days, per_day, strict=True):
        day_text = day.isoformat()
        done = 0
        while done < wanted:
            building = rng.randrange(n_buildings)
            building_id = building_ids[building]
            volunteer, team = rng.choice(volunteers_of_station[building_station[building]])
            home_lat, home_lon = building_location[building]
            # Local 09:00-18:00 start (UTC+8), then ~90 s a door.
            clock = 3600 + rng.randrange(9 * 3600)
            tally = tallies.setdefault((building_id, day_text), [0] * 9)
            by_user = user_tallies.setdefault((volunteer, team, day_text), [0] * 9)
            for site in building_sites[building]:
                if done >= wanted:
                    break
                if rng.random() >= 0.8:
                    continue
                done += 1
                visit_id += 1
                clock += rng.randint(30, 150)
                hours, rest = divmod(clock, 3600)
                # Local 09:00 is 01:00 UTC the same date; stop the clock before the local day ends (16:00 UTC).
                hours = min(hours, 15)
                server_time = f"{day_text} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
                drawn = outcomes[rng.randrange(100)]  # drawn for every door, so the rest of the data stays the same
                outcome = drawn if site_lived_in[site] else "vacant"
                counts = (0, 0, 0, 0)
                notice = receipt = 0
                if outcome == "talked":
                    people = rng.randint(1, 3)
                    installs = rng.randint(0, people)
                    counts = (people, installs, rng.randint(0, installs), rng.randint(0, people) // 2)
                    notice = int(rng.random() < 0.7)
                    receipt = int(rng.random() < 0.4)
                if rng.random() < 0.1:
                    lat = lon = accuracy = distance = None
                    missing, far = 1, 0
                else:
                    lat = round(home_lat + rng.uniform(-0.0002, 0.0002), 6)
                    lon = round(home_lon + rng.uniform(-0.0002, 0.0002), 6)
                    accuracy = float(rng.randint(5, 60))
                    far = int(rng.random() < 0.03)
                    distance = float(rng.randint(200, 900)) if far else float(rng.randint(0, 40))
                    missing = 0
                day_rows.append(
                    (volunteer, hours * 3600 + rest, visit_id)
                    + (visit_id, f"{uuid_prefix}{visit_id:012x}", site, building_id, volunteer, team, outcome, *counts)
                    + (notice, receipt, "", lat, lon, accuracy, server_time + ".000000", server_time + ".000000")
                    + (day_text, distance, missing, int(accuracy is not None and accuracy > 100), far)
                )
                newly_covered = 0
                if outcome == "talked" and site_kind_household[site] and not covered[site]:
                    covered[site] = 1
                    covering.append((visit_id, site))
                    newly_covered = 1
                deltas = (1, int(outcome == "talked"), *counts, notice, receipt, newly_covered)
                for sums in (tally, by_user):
                    for position, value in enumerate(deltas):
                        sums[position] += value
        # Each visit's gap to its volunteer's previous one that day, as recording stores it (sweeps overlap).
        day_rows.sort()
        for index, (volunteer, seconds, _id, *row) in enumerate(day_rows):
            before = day_rows[index - 1] if index else None
            gap = float(seconds - before[1]) if before and before[0] == volunteer else None
            rows.append((*row, gap, review_status(row[0])))
            if len(rows) >= BATCH:
                writer.rows("visits", VISIT_COLUMNS, rows)
                rows = []
        day_rows = []
    writer.rows("visits", VISIT_COLUMNS, rows)
    log(f"  {visit_id:,} visits")

    # Rollups for the building of each visit and every area above it, as the app writes them.
    area_tallies: dict[tuple[int, str], list[int]] = {}
    for (building_id, day_text), sums in tallies.items():
        for area_id in ancestors[building_id]:
            total = area_tallies.setdefault((area_id, day_text), [0] * 9)
            for position, value in enumerate(sums):
                total[position] += value
    writer.rows("area_daily_tallies", AREA_TALLY_COLUMNS, [(a, d, *sums) for (a, d), sums in area_tallies.items()])
    writer.rows(
        "user_daily_tallies", USER_TALLY_COLUMNS, [(u, t or 0, d, *sums) for (u, t, d), sums in user_tallies.items()]
    )
    if writer.dialect == "sqlite":
        writer.driver.executemany("UPDATE sites SET covered_by_visit_id = ? WHERE id = ?", covering)
    else:
        writer.execute("CREATE TEMPORARY TABLE covering (visit_id integer, site_id integer)")
        writer.rows("covering", ("visit_id", "site_id"), covering)
        writer.execute("UPDATE sites SET covered_by_visit_id = c.visit_id FROM covering c WHERE sites.id = c.site_id")
        writer.execute("DROP TABLE covering")
    log(f"  {len(tallies):,} building-day rollups, {len(covering):,} households covered")
    # The sites' talk days and the rollups of shops, enterprises and schools, from the rows above, set-based.
    from fieldapp.site_kinds import REBUILD

    for statement in REBUILD:
        writer.execute(statement)
    log("  talk days and the shops, enterprises and schools rollups")

    first_station_buildings = [b for b in range(n_buildings) if building_station[b] == 0]
    return {
        "sites": n_sites,
        "visits": visit_id,
        "areas": len(areas),
        "buildings": n_buildings,
        "stations": n_stations,
        "users": len(user_rows),
        "daily_tallies": len(area_tallies),
        "households_covered": len(covering),
        "district_id": 1,
        "station_id": station_ids[0],
        "building_id": building_ids[first_station_buildings[0]],
        "supervisor": "sup1",
        "volunteers": [f"v{s + 1}_{n + 1}" for s in range(n_stations) for n in range(len(volunteers_of_station[s]))],
    }


def busy_today(database_url: str, days: int = 7, timezone: str = "Asia/Shanghai") -> int:
    """PostgreSQL: copy the last `days` days' visits onto the day after them (today, for a district generated
    `ending_yesterday`), with new ids and uuids, and keep autovacuum from ANALYZEing the visits, as a busy day stands in
    the field: autovacuum ANALYZEs a table after a tenth of it changed, which at a campaign's size takes days (here, a
    fifth of the table copied, it would within a minute). Each copy keeps its place in its day, squeezed into the part
    of today that has passed (local midnight to now, in `timezone`), so that every visit a bench records after them
    comes after them, as in the field. The rollups are left as they were: for measuring plans and submits, not pages.
    Returns the visits copied."""
    import psycopg

    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
        listed = ", ".join(
            row[0]
            for row in connection.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'visits'"
                " AND column_name NOT IN ('id', 'client_uuid', 'day', 'server_time', 'recorded_at')"
            )
        )
        connection.execute("ALTER TABLE visits SET (autovacuum_enabled = false)")

        # A moment's place in its day: the share of the day from its local midnight; put at that share of today so far.
        def squeezed(column: str) -> str:
            share = f"extract(epoch FROM {column} - ((day::timestamp AT TIME ZONE %(tz)s) AT TIME ZONE 'UTC')) / 86400"
            return f"clock.midnight + (clock.now - clock.midnight) * ({share})"

        return connection.execute(
            f"INSERT INTO visits ({listed}, client_uuid, day, server_time, recorded_at)"
            f" SELECT {listed}, gen_random_uuid()::text, clock.today, {squeezed('server_time')},"
            f" {squeezed('recorded_at')}"
            " FROM visits, (SELECT (SELECT max(day) FROM visits) + 1 AS today, now() AT TIME ZONE 'UTC' AS now,"
            " (date_trunc('day', now() AT TIME ZONE %(tz)s) AT TIME ZONE %(tz)s) AT TIME ZONE 'UTC' AS midnight)"
            " AS clock"
            " WHERE day > clock.today - 1 - %(days)s",
            {"tz": timezone, "days": days},
        ).rowcount


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="an empty database (sqlite:///... or postgresql://...)")
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--visits", type=int, default=None, help="default: 5 per site")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from fieldapp.config import database_url

    os.environ["DATABASE_URL"] = args.database_url
    made = generate(database_url(), args.sites, args.visits if args.visits is not None else 5 * args.sites, args.seed)
    log(f"done in {made['seconds']} s: {made['sites']:,} sites, {made['visits']:,} visits")


if __name__ == "__main__":
    main()
