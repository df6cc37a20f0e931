"""The weekly report beyond the door: outreach events (宣讲), warnings followed up (预警劝阻) and shops, enterprises and
schools (扫街 / 扫企), for the area and ranked per station, community and grid, alike on the page, in the XLSX and in
the CSV."""

import csv
import io
import re
import uuid
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from fieldapp.events.services import EventInput, record_event
from fieldapp.extensions import db
from fieldapp.periods import week_bounds
from fieldapp.reports.weekly import build_weekly
from fieldapp.visits.clock import local_today
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit
from fieldapp.warnings.deadlines import now
from fieldapp.warnings.services import WarningInput, create_warning
from tests.test_events import local_now_text
from tests.test_exports import csv_rows, records, xlsx_sheet


def held_an_event(user, area, people: int, **counts):
    """An event recorded through the service, held half an hour ago, at `area`."""
    from datetime import datetime

    held_at = datetime.strptime(local_now_text(), "%Y-%m-%dT%H:%M")
    data = EventInput("lecture", area.id, held_at, counts={"people_reached": people, **counts})
    event, _ = record_event(user, data, str(uuid.uuid4()))
    db.session.commit()
    return event


def talk(user, site, people: int = 1):
    visit, _ = record_visit(user, site, VisitInput("talked", people), str(uuid.uuid4()))
    db.session.commit()
    return visit


def warning_at(area, by, hours_ago: float, called_after=None, visited_after=None):
    """A warning received `hours_ago`; its call and face-to-face visit done that long after it came (None: not)."""
    received = now() - timedelta(hours=hours_ago)
    warning, _ = create_warning(WarningInput(str(uuid.uuid4()), received, area=area), by)
    if called_after is not None:
        warning.called_at = received + called_after
    if visited_after is not None:
        warning.visited_at = received + visited_after
    db.session.commit()
    return warning


def on_time(area, by):
    return warning_at(area, by, 3, called_after=timedelta(minutes=2), visited_after=timedelta(hours=2))


def late(area, by):
    return warning_at(area, by, 10, called_after=timedelta(minutes=2))  # no face-to-face visit in 8 hours


@pytest.fixture
def outreach(world):
    """甲: a 300-person event, a warning followed up on time, a shop talked to; 乙: a 500-person event, a late
    warning, an enterprise not yet talked to and a school talked to."""
    admin = world.admin
    world.a.sites[2].kind = "shop"
    world.b.sites[1].kind = "enterprise"
    world.b.sites[2].kind = "school"
    db.session.commit()
    held_an_event(admin, world.a.community, 300, leaflets=350, app_installs=25, realname_regs=20)
    held_an_event(admin, world.b.area, 500, posters=4)
    on_time(world.a.grid, admin)
    late(world.b.grid, admin)
    talk(world.a.volunteer, world.a.sites[2], people=150)  # a shop: its customers, not its 3 residents
    talk(world.b.volunteer, world.b.sites[2], people=40)
    talk(world.a.volunteer, world.a.sites[0], people=2)  # a household
    return week_bounds(local_today())[0]


def table(data: dict, section: str, level: str) -> dict:
    tables = data["outreach"]["sites"]["tables"] if section == "site_tables" else data["outreach"][section]
    return next(t for t in tables if t["kind"] == level)


def test_an_event_of_300_people_counts_300_at_its_area_and_above_and_no_household_coverage(world):
    held_an_event(world.admin, world.a.community, 300, leaflets=350, app_installs=25)
    data = build_weekly(world.district, week_bounds(local_today())[0])
    assert data["events"][0]["week"]["people_reached"] == 300 and data["events"][0]["to_date"]["leaflets"] == 350
    rows = {level: {r["name"]: r for r in table(data, "event_tables", level)["rows"]} for level in ("station",)}
    assert rows["station"]["甲派出所"]["to_date"]["people_reached"] == 300
    assert rows["station"]["甲派出所"]["week"]["events"] == 1
    assert rows["station"]["甲派出所"]["week"]["app_installs"] == 25
    assert rows["station"]["乙派出所"]["to_date"]["people_reached"] == 0
    assert {t["kind"] for t in data["outreach"]["event_tables"]} == {"station", "community"}  # none at a grid
    assert data["summary"]["figures"]["households_covered"]["to_date"] == 0
    assert data["summary"]["figures"]["people_reached"]["to_date"] == 0  # door-to-door 人次 stay door-to-door
    assert data["outreach"]["sites"]["summary"]["all"]["to_date"] == 0


def test_a_shop_visit_counts_in_shops_not_households_and_its_people_are_not_capped_by_residents(world):
    world.a.sites[2].kind = "shop"
    db.session.commit()
    talk(world.a.volunteer, world.a.sites[2], people=150)
    data = build_weekly(world.district, week_bounds(local_today())[0])
    sites = data["outreach"]["sites"]["summary"]
    assert sites["shop"] == {"total": 1, "week": 1, "to_date": 1, "percent": 100.0}
    assert sites["school"]["total"] == 0 and sites["all"]["total"] == 1
    figures = data["summary"]["figures"]
    assert figures["households_covered"]["to_date"] == 0 and figures["people_reached"]["to_date"] == 150
    assert data["summary"]["resident_households"] == 7  # 4 + 4 households, less the shop

    talk(world.a.volunteer, world.a.sites[0], people=2)
    data = build_weekly(world.district, week_bounds(local_today())[0])
    assert data["summary"]["figures"]["households_covered"]["to_date"] == 1
    assert data["outreach"]["sites"]["summary"]["shop"]["to_date"] == 1


def test_events_warnings_and_kinds_of_site_are_ranked_best_first(world, outreach):
    data = build_weekly(world.district, outreach)
    events = table(data, "event_tables", "station")["rows"]
    assert [(r["rank"], r["name"], r["to_date"]["people_reached"]) for r in events] == [
        (1, "乙派出所", 500),
        (2, "甲派出所", 300),
    ]
    warnings = table(data, "warning_tables", "station")["rows"]
    assert [(r["rank"], r["name"], r["week"]["on_time"], r["week"]["late"], r["week"]["rate"]) for r in warnings] == [
        (1, "甲派出所", 1, 0, 100.0),
        (2, "乙派出所", 0, 1, 0.0),
    ]
    assert data["outreach"]["warnings"]["week"] == {"received": 2, "on_time": 1, "late": 1, "pending": 0, "rate": 50.0}
    sites = table(data, "site_tables", "station")["rows"]
    assert [(r["rank"], r["name"], r["kinds"]["all"]["to_date"], r["kinds"]["all"]["total"]) for r in sites] == [
        (1, "甲派出所", 1, 1),
        (2, "乙派出所", 1, 2),
    ]
    assert table(data, "site_tables", "station")["totals"]["kinds"]["all"] == {
        "total": 3,
        "week": 2,
        "to_date": 2,
        "percent": round(200 / 3, 2),
    }


class Tables(HTMLParser):
    """Every <table id=...> of a page as rows of cell texts."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = self._cell = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def numbers(text: str) -> list[float | None]:
    """The figures a page cell shows, in order ("–" where there is none)."""
    found = re.findall(r"–|\d[\d,]*(?:\.\d+)?", text)
    return [None if part == "–" else float(part.replace(",", "")) for part in found]


def as_number(value) -> float | None:
    return None if value is None else float(value)


def as_shown(value) -> float | None:
    """A file's figure as the page shows it (percentages to one decimal)."""
    return None if value is None else round(float(value), 1)


def sheet(book, title_start: str) -> list[list]:
    found = [name for name in book.sheetnames if name.startswith(title_start)]
    assert len(found) == 1, (title_start, book.sheetnames)
    return [list(row) for row in book[found[0]].iter_rows(values_only=True)]


#: Page table -> (sheet name start, the file's columns in the order the page's cells show them).
RANKED = {
    # events, people reached, installs, real-name: to date then this week
    "events-station": ("派出所·镇 宣讲", [4, 3, 6, 5, 14, 13, 16, 15]),
    "events-community": ("社区·村 宣讲", [4, 3, 6, 5, 14, 13, 16, 15]),
    # received, on time, late, rate: this week then to date
    "warnings-station": ("派出所·镇 预警", [3, 4, 5, 6, 7, 8, 11, 12]),
    # shops, enterprises, schools, all: talked to to date, sites, coverage rate
    "sites-station": ("派出所·镇 商户", [5, 3, 6, 9, 7, 10, 13, 11, 14, 17, 15, 18]),
    "sites-grid": ("网格 商户", [5, 3, 6, 9, 7, 10, 13, 11, 14, 17, 15, 18]),
}


def test_the_files_and_the_page_give_the_same_numbers(world, outreach, browser):
    browser.login("district-admin")
    week = outreach.isoformat()
    page = Tables(browser.client.get(f"/reports/weekly?week={week}").text).tables
    book = load_workbook(io.BytesIO(browser.client.get(f"/reports/weekly.xlsx?week={week}").data))
    text = browser.client.get(f"/reports/weekly.csv?week={week}").data.decode("utf-8-sig")
    lines = [line for line in csv.reader(io.StringIO(text)) if line]

    # The summary blocks, row for row as the page's summary tables, in the XLSX and in the CSV.
    summary = [row for row in sheet(book, "汇总") if row and row[0]]
    compared = 0
    blocks = {"events-summary": "宣讲活动", "warnings-summary": "预警劝阻", "sites-summary": "场所类型"}
    for table_id, block in blocks.items():
        in_block = summary[[row[0] for row in summary].index(block) :]  # the door-to-door rows also have APP 安装
        csv_block = lines[[line[0] for line in lines].index(block) :]
        for label, *cells in page[table_id][1:]:
            in_file = next(row for row in in_block if row[0] == label)[1 : len(cells) + 1]
            shown = [value for cell in cells for value in numbers(cell)]
            assert shown == [as_shown(value) for value in in_file], label
            in_csv = next(line for line in csv_block if line[0] == label)[1 : len(cells) + 1]
            assert [float(c) if c else None for c in in_csv] == [as_number(v) for v in in_file], label
            compared += 1
    assert compared == 8 + 5 + 4

    # Each ranked table: the same areas in the same order with the same figures; the totals row last.
    for table_id, (sheet_start, columns) in RANKED.items():
        rows = sheet(book, sheet_start)[2:]
        assert rows[-1][0] == "合计"
        shown = page[table_id][1:]
        assert len(shown) == len(rows) - 1 > 0
        for row, (name_cell, *cells) in zip(rows, shown, strict=False):
            assert name_cell == " ".join(str(part) for part in (row[0] or "–", row[1], row[2]))
            assert [value for cell in cells for value in numbers(cell)] == [as_shown(row[i]) for i in columns]

    rows = sheet(book, "派出所·镇 预警")
    csv_start = lines.index(next(line for line in lines if line[0].startswith("派出所/镇 预警")))
    in_csv = lines[csv_start + 1 : csv_start + len(rows)]
    assert [line[:3] for line in in_csv] == [["" if v is None else str(v) for v in row[:3]] for row in rows[1:]]
    assert [[float(c) if c else None for c in line[3:]] for line in in_csv[1:]] == [
        [as_number(v) for v in row[3:]] for row in rows[2:]
    ]


def test_the_visit_export_names_each_doors_kind(world, browser):
    world.a.sites[2].kind = "shop"
    db.session.commit()
    talk(world.a.volunteer, world.a.sites[2], people=150)
    talk(world.a.volunteer, world.a.sites[0], people=2)
    browser.login("a-supervisor")
    rows = records(xlsx_sheet(browser.client.get("/reports/visits.xlsx")))
    shown = [(row["门户"], row["类型"], row["宣传人数"]) for row in rows]
    assert shown == [("1单元 301", "商户", 150), ("1单元 101", "住户", 2)]
    lines = csv_rows(browser.client.get("/reports/visits.csv"))
    assert [line[lines[0].index("类型")] for line in lines[1:]] == ["商户", "住户"]


def test_the_area_page_counts_households_shops_and_schools_each_apart(world, browser):
    world.a.sites[2].kind = "shop"
    world.a.sites[3].kind = "school"
    db.session.commit()
    talk(world.a.volunteer, world.a.sites[2], people=150)
    talk(world.a.volunteer, world.a.sites[0], people=2)
    browser.login("a-supervisor")
    html = browser.client.get(f"/areas/{world.a.area.id}").text
    table = html[html.index('id="key-group-coverage"') :]
    assert re.search(r'kind-household"><td>住户</td><td class="num">1/2</td><td class="num">50.0%', table)
    assert re.search(r'kind-shop"><td>商户</td><td class="num">1/1</td><td class="num">100.0%', table)
    assert re.search(r'kind-school"><td>学校</td><td class="num">0/1</td>', table)
