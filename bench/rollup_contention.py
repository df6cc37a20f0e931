"""Hot rollup rows on PostgreSQL: do submits wait on the district's row for today?

Every visit adds to one DailyTally row per area above its building (visits/counting.py), in area id order, so
the district's row for today, written by every visit in the district, is locked first and held until commit.
This bench puts that to the test: a generated district on a scratch PostgreSQL database, one volunteer
account per phone (each phone on doors of its own), gunicorn with several sync workers (8 in the full run:
"app processes"), and wrk (bench/submit.lua) keeping 200 connections posting visits through the HTML path.

While wrk runs, a sampler polls pg_stat_activity every SAMPLE_S: how many of the app's sessions are busy
(running a statement or idle in a transaction) and how many wait on a lock (wait_event_type = 'Lock'), with
the statement they wait in, and how many pg_locks are not granted. "Lock share" is lock-waiting samples over
busy samples: the share of the database time of a submit spent waiting on another submit's row lock.

Each setting runs twice: as shipped, and with the district-level rollup write removed (a scratch app,
bench/rollup_variant_app.py, that skips the top area of the path: what "district row summed from its
stations on read" would cost at write time). BENCH_SMOKE=1 runs a few seconds with 2 workers and 16
connections so the script never rots (make test). Writes bench/results/rollup_contention.json.
"""

import concurrent.futures
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, ROOT, SMOKE, Phone, Server, databases, log, scratch_database
from bench.generate import generate
from bench.submit_load import RESULT, lua_table, wrk_binary

SITES = 3_000 if SMOKE else 100_000
PHONES = 8 if SMOKE else 200
CONNECTIONS = 16 if SMOKE else 200
DURATION = 3 if SMOKE else 30
#: gunicorn sync workers tried; the brief's 8 app processes first, then fewer (2 cores: 8 may thrash).
WORKERS = [2] if SMOKE else [8, 4]
#: Doors each phone gets per run (fresh ones every run, so no run revisits another's doors).
DOORS_PER_RUN = 20 if SMOKE else 100
SAMPLE_S = 0.02
VARIANTS = {"as shipped": "wsgi:app", "no district row": "bench.rollup_variant_app:app"}
SAMPLE_SQL = """
SELECT
  count(*) FILTER (WHERE state IN ('active', 'idle in transaction')),
  count(*) FILTER (WHERE wait_event_type = 'Lock'),
  array_remove(array_agg(CASE WHEN wait_event_type = 'Lock' THEN left(query, 48) END), NULL),
  (SELECT count(*) FROM pg_locks WHERE NOT granted)
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
"""


def add_volunteers(database_url: str, wanted: int) -> None:
    """Top the generated volunteers up to `wanted` accounts, spread over the stations (one phone, one person)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.begin() as connection:
        volunteers = connection.execute(text("SELECT * FROM users WHERE role = 'volunteer' ORDER BY id")).mappings()
        volunteers = [dict(row) for row in volunteers]
        for number in range(len(volunteers), wanted):
            row = {**volunteers[number % len(volunteers)], "username": f"extra{number}", "display_name": f"加{number}"}
            row.pop("id")
            columns = ", ".join(row)
            connection.execute(text(f"INSERT INTO users ({columns}) VALUES ({', '.join(':' + c for c in row)})"), row)
    engine.dispose()


def doors_of_volunteers(database_url: str, runs: int) -> dict[str, list[list[str]]]:
    """For each volunteer, `runs` disjoint lists of doors in their station (no two volunteers share a door)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        people = connection.execute(
            text(
                "SELECT u.username, a.path FROM users u JOIN areas a ON a.id = u.area_id"
                " WHERE u.role = 'volunteer' ORDER BY u.id"
            )
        ).all()
        by_station: dict[str, list[str]] = {}
        for username, path in people:
            by_station.setdefault(path, []).append(username)
        doors = {}
        for path, usernames in by_station.items():
            tokens = (
                connection.execute(
                    text(
                        "SELECT t.token FROM tags t JOIN sites s ON s.id = t.site_id"
                        " JOIN areas b ON b.id = s.building_id WHERE b.path LIKE :prefix ORDER BY t.id"
                    ),
                    {"prefix": path + "%"},
                )
                .scalars()
                .all()
            )
            share = len(tokens) // len(usernames)
            for index, username in enumerate(usernames):
                own = tokens[index * share : (index + 1) * share]
                per_run = max(1, len(own) // runs)
                doors[username] = [own[run * per_run : (run + 1) * per_run][:DOORS_PER_RUN] for run in range(runs)]
    engine.dispose()
    return doors


def log_in(base: str, doors: dict[str, list[list[str]]], run: int) -> list[dict]:
    def one(username: str) -> dict:
        mine = doors[username][run]
        phone = Phone(base)
        phone.login(username)
        token = phone.csrf(f"/h/{mine[0]}")
        return {"cookie": phone.cookie_header(), "csrf": urllib.parse.quote(token, safe=""), "doors": mine}

    usernames = sorted(doors)[:PHONES]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, usernames))


class Sampler(threading.Thread):
    """Polls pg_stat_activity of the bench database while wrk runs."""

    def __init__(self, database_url: str):
        super().__init__(daemon=True)
        self.url = database_url
        self.stop_event = threading.Event()
        self.samples = 0
        self.busy = 0
        self.waiting = 0
        self.ungranted = 0
        self.max_waiting = 0
        self.statements: Counter = Counter()

    def run(self) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        with psycopg.connect(
            host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
        ) as connection:
            while not self.stop_event.is_set():
                busy, waiting, statements, ungranted = connection.execute(SAMPLE_SQL).fetchone()
                self.samples += 1
                self.busy += busy
                self.waiting += waiting
                self.ungranted += ungranted
                self.max_waiting = max(self.max_waiting, waiting)
                self.statements.update(statement_kind(s) for s in statements)
                time.sleep(SAMPLE_S)

    def result(self) -> dict:
        return {
            "samples": self.samples,
            "mean_busy_sessions": round(self.busy / max(1, self.samples), 2),
            "mean_lock_waiting_sessions": round(self.waiting / max(1, self.samples), 2),
            "max_lock_waiting_sessions": self.max_waiting,
            "mean_ungranted_locks": round(self.ungranted / max(1, self.samples), 2),
            "lock_share_of_busy": round(self.waiting / self.busy, 3) if self.busy else 0.0,
            "waits_by_statement": dict(self.statements.most_common()),
        }


def statement_kind(query: str) -> str:
    for table in ("user_daily_tallies", "program_daily_tallies", "daily_tallies", "sites", "visits", "areas"):
        if table in query:
            return f"{query.split()[0].upper()} {table}"
    return query[:30]


def run_wrk(base: str, sessions_file: Path) -> dict:
    command = [wrk_binary(), "--threads=1", f"--connections={CONNECTIONS}", f"--duration={DURATION}s"]
    command += ["--timeout=10s", "--script", str(ROOT / "bench" / "submit.lua"), base, "--", "submit"]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, env={"BENCH_SESSIONS": str(sessions_file)}
    ).stdout
    raw = json.loads(RESULT.search(output).group(1))
    seconds = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "errors": sum(raw[name] for name in ("connect", "read", "write", "status", "timeout")),
    }


def visit_bytes(database_url: str) -> dict:
    """What a stored visit costs on disk (table, TOAST and indexes), for the partition sizes in the README."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        connection.execute(text("ANALYZE visits"))
        count = connection.execute(text("SELECT count(*) FROM visits")).scalar_one()
        table = connection.execute(text("SELECT pg_table_size('visits')")).scalar_one()
        indexes = connection.execute(text("SELECT pg_indexes_size('visits')")).scalar_one()
    engine.dispose()
    return {"visits": count, "table_per_visit": round(table / count), "indexes_per_visit": round(indexes / count)}


def count_visits(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM visits")).scalar_one()
    engine.dispose()
    return count


def measure(url: str, app: str, workers: int, doors: dict, run: int, folder: Path) -> dict:
    with Server(app, url, "sync", workers) as server:
        sessions_file = folder / f"sessions{run}.lua"
        sessions_file.write_text(lua_table(log_in(server.base, doors, run)))
        before = count_visits(url)
        sampler = Sampler(url)
        sampler.start()
        try:
            result = run_wrk(server.base, sessions_file)
        finally:
            sampler.stop_event.set()
            sampler.join()
    result["visits_stored"] = count_visits(url) - before
    return {**result, **sampler.result()}


PGBENCH_CLIENTS = [8] if SMOKE else [8, 32]
PGBENCH_SECONDS = 2 if SMOKE else 15
#: One visit's rollup writes, as bump_tallies makes them: five area rows (district, station, community, grid,
#: building) in id order, the volunteer's row, then the visit itself; :districts decides how many top rows share.
#: The district's row goes in {first} or {last}.
PGBENCH_SCRIPT = """
\\set district random(1, :districts)
\\set station 1000 + (:district - 1) * 8 + random(0, 7)
\\set community 100000 + (:station - 1000) * 6 + random(0, 5)
\\set grid 1000000 + (:community - 100000) * 10 + random(0, 9)
\\set building 10000000 + (:grid - 1000000) * 5 + random(0, 4)
\\set volunteer random(1, 200 * :districts)
BEGIN;
{first}
INSERT INTO bench_tallies VALUES (:station, current_date, {ones}) ON CONFLICT (area_id, day) DO UPDATE SET {sums};
INSERT INTO bench_tallies VALUES (:community, current_date, {ones}) ON CONFLICT (area_id, day) DO UPDATE SET {sums};
INSERT INTO bench_tallies VALUES (:grid, current_date, {ones}) ON CONFLICT (area_id, day) DO UPDATE SET {sums};
INSERT INTO bench_tallies VALUES (:building, current_date, {ones}) ON CONFLICT (area_id, day) DO UPDATE SET {sums};
{last}
INSERT INTO bench_user_tallies VALUES (:volunteer, current_date, {ones})
  ON CONFLICT (user_id, day) DO UPDATE SET {user_sums};
INSERT INTO bench_visits (building_id, day, note) VALUES (:building, current_date, 'bench');
COMMIT;
"""

#: The district's row: first in id order as the app takes it, or last, after the rows below it (still one
#: order for every visit, so no deadlock, and the hottest row is held only from its upsert to the commit).
DISTRICT_ROW = (
    "INSERT INTO bench_tallies VALUES (:district, current_date, {ones})"
    " ON CONFLICT (area_id, day) DO UPDATE SET {sums};"
)


def pgbench_binary() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))
    return str(candidates[-1]) if candidates else None


def measure_database_alone(url: str, folder: Path) -> list[dict]:
    """The rollup writes of a visit without the app: pgbench, one hot district row against 100 districts.

    This is the ceiling the row lock puts on one district whatever the app servers do: the lock is held from
    the district row's upsert to the commit's WAL flush."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from fieldapp.models import TALLY_FIELDS

    binary = pgbench_binary()
    if binary is None:
        log("pgbench not found (Debian's postgresql package ships it): database-alone part skipped")
        return []
    counters = ", ".join(f"{name} integer NOT NULL" for name in TALLY_FIELDS)
    engine = create_engine(url)
    tables = (
        f"bench_tallies (area_id integer, day date, {counters}, PRIMARY KEY (area_id, day))",
        f"bench_user_tallies (user_id integer, day date, {counters}, PRIMARY KEY (user_id, day))",
        "bench_visits (id bigserial PRIMARY KEY, building_id integer, day date, note text)",
    )
    with engine.begin() as connection:
        for table in tables:
            connection.execute(text(f"CREATE TABLE {table}"))
    engine.dispose()
    ones = ", ".join("1" for _ in TALLY_FIELDS)
    sums = ", ".join(f"{name} = bench_tallies.{name} + excluded.{name}" for name in TALLY_FIELDS)
    user_sums = sums.replace("bench_tallies.", "bench_user_tallies.")
    district = DISTRICT_ROW.format(ones=ones, sums=sums)
    scripts = {}
    for order in ("first", "last"):
        scripts[order] = folder / f"rollup-{order}.sql"
        rows = {"first": district if order == "first" else "", "last": district if order == "last" else ""}
        scripts[order].write_text(PGBENCH_SCRIPT.format(ones=ones, sums=sums, user_sums=user_sums, **rows))
    target = make_url(url)
    outcomes = []
    for clients in PGBENCH_CLIENTS:
        for districts, order in ((1, "first"), (1, "last"), (100, "first")):
            command = [
                binary,
                "-n",
                "-f",
                str(scripts[order]),
                "-c",
                str(clients),
                "-j",
                "2",
                "-T",
                str(PGBENCH_SECONDS),
            ]
            command += ["-D", f"districts={districts}", "-h", target.host, "-p", str(target.port or 5432)]
            command += ["-U", target.username, target.database]
            sampler = Sampler(url)
            sampler.start()
            try:
                output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            finally:
                sampler.stop_event.set()
                sampler.join()
            tps = float(re.search(r"tps = ([0-9.]+)", output).group(1))
            latency = float(re.search(r"latency average = ([0-9.]+) ms", output).group(1))
            outcome = {
                "clients": clients,
                "districts": districts,
                "district_row": order,
                "visits_per_s": round(tps),
                "latency_ms": latency,
            }
            outcomes.append({**outcome, **sampler.result()})
            log(
                f"  pgbench {clients} clients, {districts} district(s), district row {order}: {round(tps)} visits/s,"
                f" {latency} ms, lock share {outcomes[-1]['lock_share_of_busy']:.1%}"
            )
    return outcomes


def run(parts: tuple[str, ...] = ("database", "app")) -> dict:
    """Both parts by default: `database` (pgbench on the rollup tables alone), `app` (gunicorn and wrk)."""
    results = {"sites": SITES, "phones": PHONES, "connections": CONNECTIONS, "duration_s": DURATION, "runs": []}
    if "postgresql" not in databases():
        log("rollup contention needs PostgreSQL: skipped")
        return results
    with scratch_database("postgresql", "rollup") as url, tempfile.TemporaryDirectory() as scratch:
        log(f"rollup contention: generating {SITES:,} sites")
        generate(url, SITES, SITES)
        add_volunteers(url, PHONES)
        results["visit_bytes"] = visit_bytes(url)
        if "database" in parts:
            results["database_alone"] = measure_database_alone(url, Path(scratch))
        if "app" not in parts:
            return results
        doors = doors_of_volunteers(url, len(WORKERS) * len(VARIANTS))
        run_number = 0
        for workers in WORKERS:
            for variant, app in VARIANTS.items():
                result = measure(url, app, workers, doors, run_number, Path(scratch))
                run_number += 1
                results["runs"].append({"workers": workers, "variant": variant, **result})
                log(
                    f"  {workers} workers, {variant}: {result['rps']} visits/s, p95 {result['p95_ms']} ms,"
                    f" {result['errors']} errors, lock share {result['lock_share_of_busy']:.1%}"
                    f" (busy {result['mean_busy_sessions']}, waiting {result['mean_lock_waiting_sessions']}),"
                    f" waits {result['waits_by_statement']}"
                )
    return results


if __name__ == "__main__":
    started = time.monotonic()
    outcome = run(tuple(sys.argv[1:]) or ("database", "app"))
    outcome["seconds"] = round(time.monotonic() - started, 1)
    RESULTS.mkdir(exist_ok=True)
    name = "rollup_contention_smoke.json" if SMOKE else "rollup_contention.json"
    if (RESULTS / name).exists() and len(sys.argv) > 1:  # one part run again: the other part's figures are kept
        kept = json.loads((RESULTS / name).read_text())
        outcome = {**kept, **{key: value for key, value in outcome.items() if value or key not in kept}}
    (RESULTS / name).write_text(json.dumps(outcome, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(outcome, indent=2, ensure_ascii=False))
