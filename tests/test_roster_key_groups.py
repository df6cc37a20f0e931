"""Key groups (重点人群) in the roster file: a building lead's sheet sets the marks Today and the coverage tables
read, replaces them when re-imported, refuses a name the admin does not keep, and the export reads back unchanged."""

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.keygroups.coverage import key_group_coverage
from fieldapp.keygroups.names import GroupNames
from fieldapp.keygroups.revisits import due_revisits
from fieldapp.models import AuditEvent, ImportMapping, KeyGroup, Site, SiteKeyGroup
from fieldapp.roster.files import COLUMNS
from fieldapp.roster.imports import plan_import
from fieldapp.roster.services import apply_import
from fieldapp.visits.clock import local_today
from tests.test_keygroups import add_group, mark, section, talk
from tests.test_roster import confirm, csv_bytes, door, upload, xlsx_bytes
from tests.test_roster_export import table
from tests.test_roster_mapping import choose, mapping_form, send_mapping


def marks_of(site) -> list[str]:
    return sorted(
        db.session.scalars(
            select(KeyGroup.name)
            .join(SiteKeyGroup, SiteKeyGroup.key_group_id == KeyGroup.id)
            .where(SiteKeyGroup.site_id == site.id)
        )
    )


def row_of(station, site, key_groups: str, **more) -> list[str]:
    """The roster row of a door of `station` as the template lays it out, with its key-group cell."""
    return door(
        station.area.name,
        station.community.name,
        station.grid.name,
        station.building.name,
        site.unit,
        str(site.floor),
        site.room,
        str(site.residents),
        key_groups=key_groups,
        **more,
    )


@pytest.fixture
def groups(world):
    elderly, students = add_group("独居老人", 30), add_group("学生")
    db.session.commit()
    return elderly, students


def test_a_lead_imports_key_groups_that_today_and_coverage_count_then_a_new_sheet_replaces_them(world, browser, groups):
    a, site = world.a, world.a.sites[0]
    browser.login("a-lead")
    preview = upload(browser, csv_bytes([row_of(a, site, "独居老人、学生")]), "名册.csv")
    assert preview.status_code == 200, preview.text
    updates = section(preview.text, "updates")
    assert '重点人群: <span class="key-group-changes">新增 独居老人、学生</span>' in updates
    assert "移除" not in updates
    assert "已导入" in confirm(browser, preview.text).text
    assert marks_of(site) == ["学生", "独居老人"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "site.key_groups")).one()
    assert (event.object_id, event.before, event.after) == (
        site.id,
        {"key_groups": []},
        {"key_groups": ["学生", "独居老人"]},
    )
    assert event.user_id == a.lead.id
    # Only the marks changed: no roster edit is recorded for the door's other facts.
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "site.update")) == 0

    # Nobody has talked to the household: it is due for its elderly revisit, and counts in both groups' coverage.
    due = due_revisits(building_ids=[a.building.id], today=local_today())
    assert [(d.site.id, d.group.name) for d in due] == [(site.id, "独居老人")]
    talk(a.volunteer, site)
    coverage = {row.label: (row.visited, row.total) for row in key_group_coverage(a.area, None, None)}
    assert coverage == {"独居老人": (1, 1), "学生": (1, 1)}

    # The next sheet says only 学生: the elderly mark goes, and the preview says so.
    preview = upload(browser, csv_bytes([row_of(a, site, "学生")]), "名册.csv")
    updates = section(preview.text, "updates")
    assert '<span class="key-group-changes">移除 独居老人</span>' in updates and "新增" not in updates
    confirm(browser, preview.text)
    assert marks_of(site) == ["学生"]
    coverage = {row.label: (row.visited, row.total) for row in key_group_coverage(a.area, None, None)}
    assert coverage == {"独居老人": (0, 0), "学生": (1, 1)}
    assert due_revisits(building_ids=[a.building.id], today=local_today()) == []


def test_an_unknown_key_group_refuses_the_file_with_the_names_to_choose_from_and_writes_nothing(world, browser, groups):
    a = world.a
    elderly, _students = groups
    mark(a.sites[1], elderly)
    db.session.commit()
    sites, events = db.session.scalar(select(func.count(Site.id))), db.session.scalar(select(func.count(AuditEvent.id)))
    rows = [
        row_of(a, a.sites[0], "独居老人"),  # a good row: not written either
        row_of(a, a.sites[1], "老人，学生"),
        door(a.area.name, a.community.name, a.grid.name, "新楼", "1", "1", "101", "2", key_groups="是"),
    ]
    browser.login("a-lead")
    preview = upload(browser, csv_bytes(rows), "名册.csv")
    assert preview.status_code == 422
    errors = section(preview.text, "errors")
    assert "第 3 行</strong> · 未知的重点人群：老人；可选：独居老人、学生" in errors
    assert "第 4 行</strong> · 未知的重点人群：是；可选：独居老人、学生" in errors
    assert 'id="confirm"' not in preview.text
    assert marks_of(a.sites[0]) == [] and marks_of(a.sites[1]) == ["独居老人"]
    assert db.session.scalar(select(func.count(Site.id))) == sites
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events

    browser.client.set_cookie("lang", "en")
    preview = upload(browser, csv_bytes(rows), "roster.csv")
    assert "Unknown key group “老人”; choose from: 独居老人、学生." in section(preview.text, "errors")


def test_an_empty_cell_keeps_the_marks_and_none_removes_them_and_new_doors_are_marked(world, groups):
    a = world.a
    elderly, students = groups
    mark(a.sites[0], elderly)
    mark(a.sites[1], students)
    db.session.commit()
    place = (a.area.name, a.community.name, a.grid.name, "新楼", "1", "1")
    rows = [
        row_of(a, a.sites[0], ""),  # keeps 独居老人
        row_of(a, a.sites[1], "无"),  # no key group any more
        door(*place, "101", "1", key_groups="\u3000独居老人\u3000"),  # ideographic spaces around it
        door(*place, "102", "2", key_groups="学生 / 独居老人"),
        door(*place, "103", "2"),
    ]
    plan = plan_import(xlsx_bytes(rows), "名册.xlsx", world.district, None)
    assert plan.errors == [] and plan.unchanged == 1
    [(site_id, changes, before, _line)] = plan.updates
    assert (site_id, changes, before) == (a.sites[1].id, {"key_groups": ()}, {"key_groups": (students.id,)})
    summary = apply_import(plan, world.district, None, "名册.xlsx")
    db.session.commit()
    assert summary["added"] == 3 and summary["key_group_marks"] == 4  # one removed, three set on the new doors
    assert marks_of(a.sites[0]) == ["独居老人"] and marks_of(a.sites[1]) == []
    new = {site.room: marks_of(site) for site in db.session.scalars(select(Site).where(Site.building.has(name="新楼")))}
    assert new == {"101": ["独居老人"], "102": ["学生", "独居老人"], "103": []}


def test_names_are_split_and_matched_one_way(world, groups):
    """The one reading of a key-group cell: separators, full-width characters, case and spaces, repeats."""
    db.session.add(KeyGroup(name="Past Victims"))
    db.session.flush()
    names = GroupNames(db.session.scalars(select(KeyGroup).order_by(KeyGroup.id)).all())

    def read(text):
        named = names.read(text)
        return named.given, [group.name for group in named.groups], named.unknown

    assert read("") == (False, [], []) and read("  ") == (False, [], [])
    assert read("独居老人、学生") == (True, ["独居老人", "学生"], [])
    for separator in (",", "，", ";", "；", "/", "／", " ", "\u3000"):
        text = f"独居老人{separator}学生"
        assert read(text) == (True, ["独居老人", "学生"], []), text
    assert read("学生、学生、独居老人") == (True, ["学生", "独居老人"], [])
    assert read("ＰＡＳＴ　ｖｉｃｔｉｍｓ") == (True, ["Past Victims"], [])
    assert read("past victims、学生") == (True, ["Past Victims", "学生"], [])
    assert read("无") == (True, [], []) and read("/") == (True, [], [])
    assert read("是") == (True, [], ["是"])
    assert read("老人,学生家长") == (True, [], ["老人", "学生家长"])


@pytest.mark.parametrize("header", ["人员类别", "标签", "重点人员", "key groups", "重点人群（可多选）"])
def test_the_key_group_column_is_found_by_its_other_names(world, groups, header):
    a = world.a
    headers = [header if key == "key_groups" else zh for key, zh, _en in COLUMNS]
    plan = plan_import(csv_bytes([row_of(a, a.sites[0], "学生")], headers), "名册.csv", world.district, None)
    assert [column.field for column in plan.file.columns if column.header == header] == ["key_groups"]
    assert plan.updates[0][1] == {"key_groups": (groups[1].id,)}


def test_a_column_mapped_by_hand_to_key_groups_is_remembered_for_the_area(world, browser, groups):
    a = world.a
    headers = ["人群" if key == "key_groups" else zh for key, zh, _en in COLUMNS]
    data = csv_bytes([row_of(a, a.sites[0], "独居老人")], headers)
    browser.login("a-lead")
    preview = upload(browser, data, "名册.csv")
    # The unknown column is left out, and asked about: its cells are shown, 重点人群 is one of the fields offered.
    assert 'id="columns"' in preview.text and "<strong>人群</strong>" in preview.text
    assert '<option value="key_groups">重点人群</option>' in preview.text and 'id="updates"' not in preview.text
    mapped = send_mapping(browser, preview.text, choose(mapping_form(preview.text), "人群", "key_groups"))
    assert mapped.status_code == 200, mapped.text
    assert "新增 独居老人" in section(mapped.text, "updates")
    confirm(browser, mapped.text)
    assert marks_of(a.sites[0]) == ["独居老人"]
    remembered = db.session.scalars(select(ImportMapping).where(ImportMapping.area_id == a.lead.area_id)).all()
    assert [(row.header, row.field) for row in remembered] == [("人群", "key_groups")]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_exported_roster_carries_the_marks_and_imports_back_unchanged(world, browser, groups, fmt, lang):
    a = world.a
    elderly, students = groups
    mark(a.sites[0], elderly)
    mark(a.sites[0], students)
    mark(a.sites[2], students)
    archived = add_group("既往受害人", 14)
    mark(a.sites[2], archived)
    archived.archived_at = archived.created_at  # archived: not in the export, and its mark is kept
    db.session.commit()
    if lang == "en":
        browser.client.set_cookie("lang", "en")
    browser.login("a-lead")
    response = browser.client.get(f"/areas/{a.community.id}/roster.{fmt}")
    rows = table(response.data, fmt)
    column = [key for key, _zh, _en in COLUMNS].index("key_groups")
    assert rows[0][column] == ("key groups" if lang == "en" else "重点人群")
    by_room = {row[[key for key, _zh, _en in COLUMNS].index("room")]: row[column] for row in rows[1:]}
    assert by_room == {"101": "独居老人、学生", "201": None if fmt == "xlsx" else "", "301": "学生"} | {
        room: None if fmt == "xlsx" else "" for room in ("401", "901")
    }

    events = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action.like("site.%")))
    preview = upload(browser, response.data, f"roster.{fmt}")
    assert preview.status_code == 200, preview.text
    assert 'id="updates"' not in preview.text and 'id="columns"' not in preview.text
    confirm(browser, preview.text)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action.like("site.%"))) == events
    assert marks_of(a.sites[0]) == ["学生", "独居老人"] and marks_of(a.sites[2]) == ["学生", "既往受害人"]


def test_the_template_has_the_key_group_column_and_the_import_page_names_the_groups(world, browser, groups):
    browser.login("a-lead")
    text = browser.client.get("/imports/template.csv").data.decode("utf-8-sig")
    header, example = text.splitlines()[:2]
    assert "重点人群" in header.split(",") and "独居老人" in example.split(",")
    page = browser.client.get("/imports").text
    assert "重点人群：填写管理员维护的名称（独居老人、学生）" in page
