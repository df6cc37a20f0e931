"""Roster import and door-tag labels: seconds for 100,000 rows imported (SQLite), 1,000 labels as PDF and as PNGs.

Runs in-process on a temporary, migrated SQLite database with one district, station and community.
The import goes through the same plan (checks) and apply (writes) as the page and the command, in
one transaction. Goals from the roster issue: under a minute, and under 20 s for the labels.
BENCH_SMOKE=1 runs tiny sizes in a few seconds. Writes bench/results/import_and_labels.json.
"""

import csv
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade

from fieldapp import create_app
from fieldapp.areas.services import add_area
from fieldapp.extensions import db
from fieldapp.roster.files import COLUMNS
from fieldapp.roster.imports import plan_import
from fieldapp.roster.services import apply_import
from fieldapp.tags.sheet import Label, labels_zip, sheet_pdf

SMOKE = os.environ.get("BENCH_SMOKE") == "1"
ROWS = 2_000 if SMOKE else 100_000
LABELS = 48 if SMOKE else 1_000


def roster_csv(rows: int) -> bytes:
    """rows doors: 20 grids × 25 buildings × 2 units × 20 floors × 5 rooms (trimmed to `rows`)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([zh for _key, zh, _en in COLUMNS])
    written = 0
    for grid in range(1, 21):
        for building in range(1, 26):
            for unit in (1, 2):
                for floor in range(1, 21):
                    for room in range(1, 6):
                        if written == rows:
                            return out.getvalue().encode("utf-8-sig")
                        row = {"station": "城关派出所", "community": "东门社区", "grid": f"第{grid}网格",
                               "building": f"{building}号楼", "unit": unit, "floor": floor,
                               "room": f"{floor}{room:02d}", "residents": 3, "kind": "住户"}  # fmt: skip
                        writer.writerow([row.get(key, "") for key, _zh, _en in COLUMNS])
                        written += 1
    return out.getvalue().encode("utf-8-sig")


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite", "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            district = add_area(None, "district", "临江区")
            add_area(add_area(district, "station", "城关派出所"), "community", "东门社区")
            db.session.commit()
            data = roster_csv(ROWS)

            start = time.perf_counter()
            plan = plan_import(data, "bench.csv", district, None)
            checked = time.perf_counter()
            apply_import(plan, district, None, "bench.csv")
            db.session.commit()
            written = time.perf_counter()
            assert len(plan.adds) == ROWS and not plan.errors
            again = plan_import(data, "bench.csv", district, None)
            reimport = time.perf_counter() - written
            assert again.unchanged == ROWS
            total = written - start
            results["import"] = {
                "rows": ROWS,
                "check_s": round(checked - start, 2),
                "write_s": round(written - checked, 2),
                "total_s": round(total, 2),
                "rows_per_s": round(ROWS / total),
                "reimport_check_s": round(reimport, 2),
            }
            db.engine.dispose()

    labels = [
        Label(
            url=f"https://fz.example.cn/h/{index:016d}",
            short_code="K7MX2P9Q",
            address=["东门社区 第1网格", "3号楼"],
            door=f"2单元 {index % 30 + 1}0{index % 4 + 1}",
        )
        for index in range(LABELS)
    ]
    start = time.perf_counter()
    pdf = sheet_pdf(labels)
    seconds = time.perf_counter() - start
    results["labels"] = {
        "labels": LABELS,
        "pages": -(-LABELS // 24),
        "seconds": round(seconds, 2),
        "labels_per_s": round(LABELS / seconds),
        "pdf_bytes": len(pdf),
    }

    start = time.perf_counter()
    archive = labels_zip(labels)
    seconds = time.perf_counter() - start
    results["labels_png"] = {
        "labels": LABELS,
        "seconds": round(seconds, 2),
        "labels_per_s": round(LABELS / seconds),
        "zip_bytes": len(archive),
    }

    imp, lab, png = results["import"], results["labels"], results["labels_png"]
    print(
        f"import  {imp['rows']:>7,} rows   check {imp['check_s']:>6.2f} s  write {imp['write_s']:>6.2f} s  "
        f"total {imp['total_s']:>6.2f} s  {imp['rows_per_s']:>7,} rows/s  (re-import {imp['reimport_check_s']} s)"
    )
    print(
        f"labels  {lab['labels']:>7,} labels {lab['pages']} pages  {lab['seconds']:>6.2f} s  "
        f"{lab['labels_per_s']:>5,} labels/s  PDF {lab['pdf_bytes']:,} bytes"
    )
    print(
        f"labels  {png['labels']:>7,} PNGs in a ZIP  {png['seconds']:>6.2f} s  "
        f"{png['labels_per_s']:>5,} labels/s  ZIP {png['zip_bytes']:,} bytes"
    )
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "import_and_labels.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
