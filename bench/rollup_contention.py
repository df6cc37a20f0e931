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
stations on read" would cost at write time). Before that, the same rollup writes without the app
(bench/rollup_database.py, pgbench): the ceiling one hot row puts on a district whatever the app servers do.

    .venv/bin/python bench/rollup_contention.py            # both parts (~8 minutes)
    .venv/bin/python bench/rollup_contention.py database   # one part; the other part's figures are kept

BENCH_SMOKE=1 runs a few seconds of each with 2 workers and 8 connections so the script never rots
(make test). Writes bench/results/rollup_contention.json; the figures are written up in bench/README.md.
"""

import concurrent.futures
import json
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, ROOT, SMOKE, Phone, Server, databases, log, scratch_database
from bench.generate import generate
from bench.rollup_database import Sampler, measure_database_alone
from bench.submit_load import RESULT, add_volunteers, doors_of_volunteers, lua_table, wrk_binary

SITES = 3_000 if SMOKE else 100_000
PHONES = 4 if SMOKE else 200
CONNECTIONS = 8 if SMOKE else 200
DURATION = 1 if SMOKE else 30
#: gunicorn sync workers tried; the brief's 8 app processes first, then fewer (2 cores: 8 may thrash).
WORKERS = [2] if SMOKE else [8, 4]
#: Doors each phone gets per run (fresh ones every run, so no run revisits another's doors).
DOORS_PER_RUN = 20 if SMOKE else 100
VARIANTS = {"as shipped": "wsgi:app", "no district row": "bench.rollup_variant_app:app"}


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


def count_visits(database_url: str) -> tuple[int, int]:
    """Visits stored, and visits the district's rollup rows hold (the variant's proof that it skips them)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM visits")).scalar_one()
        district = connection.execute(
            text("SELECT coalesce(sum(visits), 0) FROM area_daily_tallies WHERE area_id = (SELECT min(id) FROM areas)")
        ).scalar_one()
    engine.dispose()
    return count, int(district)


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
    after = count_visits(url)
    result["visits_stored"] = after[0] - before[0]
    result["district_row_visits"] = after[1] - before[1]
    return {**result, **sampler.result()}


def run(parts: tuple[str, ...] = ("database", "app")) -> dict:
    """Both parts by default: `database` (pgbench on the rollup tables alone), `app` (gunicorn and wrk)."""
    results = {"sites": SITES, "phones": PHONES, "connections": CONNECTIONS, "duration_s": DURATION, "runs": []}
    if "postgresql" not in databases():
        log("rollup contention needs PostgreSQL: skipped")
        return results
    with scratch_database("postgresql", "rollup") as url, tempfile.TemporaryDirectory() as scratch:
        log(f"rollup contention: generating {SITES:,} sites")
        generate(url, SITES, SITES, ending_yesterday=True)
        add_volunteers(url, PHONES)
        results["visit_bytes"] = visit_bytes(url)
        if "database" in parts:
            results["database_alone"] = measure_database_alone(url, Path(scratch))
        if "app" not in parts:
            return results
        doors = doors_of_volunteers(url, len(WORKERS) * len(VARIANTS), DOORS_PER_RUN)
        run_number = 0
        for workers in WORKERS:
            for variant, app in VARIANTS.items():
                result = measure(url, app, workers, doors, run_number, Path(scratch))
                run_number += 1
                results["runs"].append({"workers": workers, "variant": variant, **result})
                log(
                    f"  {workers} workers, {variant}: {result['rps']} visits/s, p95 {result['p95_ms']} ms,"
                    f" {result['errors']} errors, {result['visits_stored']} stored"
                    f" ({result['district_row_visits']} in the district's row),"
                    f" lock share {result['lock_share_of_busy']:.1%}"
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
