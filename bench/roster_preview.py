"""Roster preview of a messy XLSX against a clean template XLSX: seconds of `plan_import` (the preview) at 10k,
50k and 100k rows. Goal (issue 15): a 100,000-row messy file previews in < 30 s.

The messy file is a grid worker's: a title row and a "填表人/日期" row above the header, station and community
given once per block of 200 rows (as merged cells read: empty below the first), the whole address in one column
(some in 全角 digits, some with spaces), phones typed as numbers, counts in words (三, 两人), a kind column,
a blank row every 1,000 and a totals row with a formula at the end. The baseline is the same doors in the
template's columns (one value per cell, nothing to find or split). Both are XLSX, read by openpyxl's read-only
iteration, which is the floor. In-process, temporary migrated SQLite with the district, station and community.
BENCH_SMOKE=1 runs 2,000 rows. Writes bench/results/roster_preview.json.
"""

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
from openpyxl import Workbook

from fieldapp import create_app
from fieldapp.areas.services import add_area
from fieldapp.extensions import db
from fieldapp.roster.files import COLUMNS
from fieldapp.roster.imports import plan_import

SMOKE = os.environ.get("BENCH_SMOKE") == "1"
SIZES = (2_000,) if SMOKE else (10_000, 50_000, 100_000)
STATION, COMMUNITY = "城关派出所", "东门社区"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
WORDS = {1: "一", 2: "两人", 3: "三", 4: "四口人"}


def doors(rows: int):
    """(building, unit, floor, room number, residents) for `rows` doors: 200 a building (2 units × 25 floors × 4)."""
    for index in range(rows):
        building, rest = divmod(index, 200)
        unit, rest = divmod(rest, 100)
        floor, room = divmod(rest, 4)
        yield building + 1, unit + 1, floor + 1, f"{floor + 1}{room + 1:02d}", index % 4 + 1


def xlsx(rows) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("名册")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def messy_rows(count: int):
    yield ["东门社区住户信息登记表", None, None, None, None, None, None, None]
    yield ["填表人：王芳", None, None, None, "日期：2024年5月6日", None, None, None]
    yield ["序号", "派出所", "社区", "地址", "户主", "联系电话", "人数", "类型"]
    for index, (building, unit, _floor, room, residents) in enumerate(doors(count)):
        if index and index % 1000 == 0:
            yield [None] * 8
        address = f"幸福里小区{building}栋{unit}单元{room}室"
        if index % 7 == 0:
            address = address.translate(FULL_WIDTH)
        elif index % 7 == 1:
            address = f"幸福里小区 {building}栋 {unit}单元 {room}室"
        first = index % 200 == 0  # merged cells: the block's value in its first row only
        yield [
            index + 1,
            STATION if first else None,
            COMMUNITY if first else None,
            address,
            f"住户{index}",
            13800000000 + index,
            WORDS[residents] if index % 3 == 0 else residents,
            "商户" if index % 50 == 0 else "住户",
        ]
    yield ["合计", None, None, None, None, None, f"=SUM(G4:G{count + 3})", None]


def clean_rows(count: int):
    yield [zh for _key, zh, _en in COLUMNS]
    for index, (building, unit, floor, room, residents) in enumerate(doors(count)):
        yield [STATION, COMMUNITY, "", f"幸福里小区{building}栋", str(unit), floor, room, f"住户{index}",
               str(13800000000 + index), residents, "住户", "", "", ""]  # fmt: skip


def timed(data: bytes, filename: str, root) -> tuple[float, float, object]:
    """Wall seconds, and CPU seconds of this process (steadier on a machine shared with other work)."""
    start, cpu = time.perf_counter(), time.process_time()
    plan = plan_import(data, filename, root, None)
    return time.perf_counter() - start, time.process_time() - cpu, plan


def main() -> None:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite", "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            district = add_area(None, "district", "临江区")
            add_area(add_area(district, "station", STATION), "community", COMMUNITY)
            db.session.commit()
            timed(xlsx(clean_rows(200)), "warm.xlsx", district)  # imports, catalogs, caches: not the file's cost
            for size in SIZES:
                clean, messy = xlsx(clean_rows(size)), xlsx(messy_rows(size))
                clean_s, clean_cpu, clean_plan = timed(clean, "clean.xlsx", district)
                messy_s, messy_cpu, messy_plan = timed(messy, "messy.xlsx", district)
                assert len(clean_plan.adds) == size and not clean_plan.errors, clean_plan.errors[:3]
                assert len(messy_plan.adds) == size and not messy_plan.errors, messy_plan.errors[:3]
                assert len(messy_plan.file.skipped) == 3 and messy_plan.file.filled_down == size - size // 200
                result = {
                    "rows": size,
                    "clean_s": round(clean_s, 2),
                    "messy_s": round(messy_s, 2),
                    "clean_cpu_s": round(clean_cpu, 2),
                    "messy_cpu_s": round(messy_cpu, 2),
                    "ratio": round(messy_s / clean_s, 2),
                    "messy_rows_per_s": round(size / messy_s),
                    "clean_bytes": len(clean),
                    "messy_bytes": len(messy),
                }
                results.append(result)
                print(
                    f"preview {size:>7,} rows  clean {clean_s:6.2f} s (CPU {clean_cpu:5.2f})  "
                    f"messy {messy_s:6.2f} s (CPU {messy_cpu:5.2f})  "
                    f"({result['ratio']}×, {result['messy_rows_per_s']:,} rows/s; XLSX {len(messy):,} bytes)"
                )
            db.engine.dispose()
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "roster_preview.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
