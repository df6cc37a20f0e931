"""The database side of bench/rollup_contention.py: the lock sampler, and the rollup writes alone (pgbench).

The sampler polls pg_stat_activity of the bench database every SAMPLE_S while load runs. The pgbench part runs
one visit's rollup writes with no app in between: one hot district row (first or last) against 100 districts.
"""

import re
import shutil
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

from bench.common import SMOKE, log

SAMPLE_S = 0.02
SAMPLE_SQL = """
SELECT
  count(*) FILTER (WHERE state IN ('active', 'idle in transaction')),
  count(*) FILTER (WHERE wait_event_type = 'Lock'),
  array_remove(array_agg(CASE WHEN wait_event_type = 'Lock' THEN left(query, 48) END), NULL),
  (SELECT count(*) FROM pg_locks WHERE NOT granted)
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
"""


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
                self.statements.update(statement_kind(s) for s in statements or [])
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
    for table in ("user_daily_tallies", "area_daily_program_tallies", "area_daily_tallies", "sites", "visits", "areas"):
        if table in query:
            return f"{query.split()[0].upper()} {table}"
    return query[:30]


PGBENCH_CLIENTS = [8] if SMOKE else [8, 32]
PGBENCH_SECONDS = 1 if SMOKE else 15
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
