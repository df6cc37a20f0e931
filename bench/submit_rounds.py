"""Part 3's ratio measured in rounds, each path between two runs of the baseline, so a machine whose speed drifts
from minute to minute (bench/README.md: PostgreSQL's baseline at 254-446 req/s within seven minutes) moves both alike.

    .venv/bin/python bench/submit_rounds.py           # both databases, a round per path, 10 s per path
    BENCH_DATABASES=postgresql BENCH_ROUNDS=5 .venv/bin/python bench/submit_rounds.py

One generated district per database, the volunteers, phones and doors of bench/submit_load.py, gthread 2x8. Each
round runs the baseline, then our API path, the floor (bench/floor.py), the floor without the trust evidence ("bare"; on
PostgreSQL also the floor's five-statement form), then the baseline again; a path's ratio is its visits/s over the
mean of the two baselines around it in that round. The paths take turns at going first (the volunteers' day grows as
they run: a later path's evidence reads more visits).
Written to bench/results/submit_rounds.json: each round's ratios and their median. Any error, or a path that
stored no visit, fails the run. Rounds: as many as the database has paths (each goes first once), or BENCH_ROUNDS.
BENCH_SMOKE=1: one round of 2 s on a small district (about a minute; `make test` runs submit_load.py's smoke
instead, which measures the same paths but the bare floor once and fails the same way).
"""

import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, SMOKE, databases, log, scratch_database
from bench.submit_load import VOLUNTEERS, district, measure_app, measure_baseline, measure_floor

ROUNDS = 1 if SMOKE else int(os.environ.get("BENCH_ROUNDS", "0"))  # 0: one round per path
SECONDS = 2 if SMOKE else int(os.environ.get("BENCH_ROUND_SECONDS", "10"))
SERVER = ("gthread", 2, 8)


def paths_of(kind: str) -> dict:
    """What each round measures between its two baselines: name -> function(url, doors, folder) -> wrk result."""
    paths = {
        "api": lambda url, doors, folder: measure_app(url, SERVER, doors, SECONDS, folder, "api"),
        "api floor": lambda url, doors, folder: measure_floor(url, SERVER, doors, SECONDS, folder),
        "api floor, bare": lambda url, doors, folder: measure_floor(url, SERVER, doors, SECONDS, folder, "floor_bare"),
    }
    if kind == "postgresql":
        paths["api floor, merged"] = lambda url, doors, folder: measure_floor(
            url, SERVER, doors, SECONDS, folder, "floor_merged"
        )
    return paths


def run() -> dict:
    results = {
        "rounds": ROUNDS or "one per path",
        "seconds": SECONDS,
        "server": "gthread 2w×8t",
        "volunteers": VOLUNTEERS,
        "databases": {},
    }
    for kind in databases():
        with scratch_database(kind, "rounds") as url, tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            doors = district(url)
            rounds = []
            for number in range(1, (ROUNDS or len(paths_of(kind))) + 1):
                before = measure_baseline(url, SERVER, SECONDS, folder)["rps"]
                names = list(paths_of(kind))
                turn = (number - 1) % len(names)
                measured = {name: paths_of(kind)[name](url, doors, folder) for name in names[turn:] + names[:turn]}
                after = measure_baseline(url, SERVER, SECONDS, folder)["rps"]
                baseline = (before + after) / 2
                row = {"baseline_rps": [before, after]}
                for name, result in measured.items():
                    row[name] = {
                        "rps": result["rps"],
                        "ratio": round(result["rps"] / baseline, 3) if baseline else None,
                        "p95_ms": result["p95_ms"],
                        "errors": result["errors"],
                        "visits_stored": result["visits_stored"],
                    }
                    if result["errors"] or not result["visits_stored"]:
                        raise SystemExit(f"{kind} {name}: {result['errors']} errors, {result['visits_stored']} stored")
                rounds.append(row)
                ratios = ", ".join(f"{name} {row[name]['ratio']}" for name in measured)
                log(f"{kind} round {number}: baseline {before} / {after} req/s; {ratios}")
            medians = {}
            for name in paths_of(kind):
                ratios = [row[name]["ratio"] for row in rounds if row[name]["ratio"] is not None]
                medians[name] = statistics.median(ratios) if ratios else None
            log(f"{kind}: median ratios over {len(rounds)} rounds: {medians}")
            results["databases"][kind] = {"rounds": rounds, "median_ratio": medians}
    return results


if __name__ == "__main__":
    outcome = run()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / ("submit_rounds_smoke.json" if SMOKE else "submit_rounds.json")).write_text(
        json.dumps(outcome, indent=2, ensure_ascii=False) + "\n"
    )
    print(json.dumps(outcome, indent=2, ensure_ascii=False))
