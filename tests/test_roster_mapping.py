"""A roster file as a grid worker keeps it: columns the app does not know are mapped by hand on the preview, the
choice is remembered for the next file of the same area, and every row of the file is accounted for."""

import io
import re

from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, ImportMapping, Site
from fieldapp.roster import jobs
from tests.conftest import csrf_from
from tests.test_roster import confirm, csv_bytes, site_count, upload

#: "户室" is no header the app knows (房号, 室, 门牌号 are); "备用" is a column to leave out.
HEADER = ["网格", "楼栋", "户室", "人数", "备用"]


def rows_for(station, building="7号楼", rooms=("101", "102", "103")) -> list[list[str]]:
    return [[station.grid.name, building, room, "2", "x"] for room in rooms]


def mapping_form(html: str) -> dict[str, str]:
    """The mapping form as the browser would send it untouched: {field name: value}, selects at their selection."""
    form = html.split('id="columns"')[1].split("</form>")[0]
    sent = dict(re.findall(r'<input type="hidden" name="(key-\d+)" value="([^"]*)"', form))
    for name, options in re.findall(r'<select name="(map-\d+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        sent[name] = chosen.group(1) if chosen else ""
    sent["csrf_token"] = csrf_from(html)
    return sent


def choose(form: dict[str, str], header: str, field: str) -> dict[str, str]:
    index = next(name.split("-")[1] for name, value in form.items() if name.startswith("key-") and value == header)
    return {**form, f"map-{index}": field}


def send_mapping(browser, html: str, form: dict[str, str]):
    action = re.search(r'action="(/imports/[^"]+/columns)"', html).group(1)
    return browser.client.post(action, data=form)


def figure(html: str, name: str) -> str:
    return re.search(rf'id="{name}"><span class="label">[^<]*</span><strong>([^<]*)<', html).group(1)


def mappings(area_id: int) -> dict[str, str]:
    rows = db.session.execute(select(ImportMapping.header, ImportMapping.field).where(ImportMapping.area_id == area_id))
    return dict(rows.all())


def test_an_unknown_column_is_mapped_by_hand_then_remembered_for_the_area_only(world, browser):
    a, b = world.a, world.b
    browser.login("a-lead")
    first = upload(browser, csv_bytes(rows_for(a), HEADER), "东门.csv")
    # Nothing guessed: 户室 is shown as not matched, the missing 房号 is named, no row is read yet.
    assert first.status_code == 422
    assert "没有一列是房号" in first.text and 'id="confirm"' not in first.text
    assert "未识别：不选就不导入" in first.text
    # The lead's own station and community fill the columns the file leaves out, and the page says so.
    assert f"每一行都按您所在的 {a.area.name} › {a.community.name} 填写" in first.text
    assert "<strong>户室</strong>" in first.text and "102" in first.text  # its header and a sample of its values

    preview = send_mapping(browser, first.text, choose(mapping_form(first.text), "户室", "room"))
    assert preview.status_code == 200, preview.text
    assert figure(preview.text, "to-add") == "3" and "您刚选的" in preview.text
    assert "按表头识别" in preview.text  # the columns read by their header say so too
    assert mappings(a.community.id) == {}  # not remembered before the import is confirmed
    done = confirm(browser, preview.text)
    assert "已导入" in done.text
    assert site_count() == 10 + 3
    # Both answers are remembered, "leave out" too: the next file asks nothing it was already told.
    assert mappings(a.community.id) == {"户室": "room", "备用": ""}

    second = upload(browser, csv_bytes(rows_for(a, rooms=("104",)), HEADER), "东门-二.csv")
    assert second.status_code == 200
    assert f"沿用{a.community.name}上次的选择" in second.text
    assert '<option value="room" selected>' in second.text
    assert figure(second.text, "to-add") == "1"

    # Another community's file with the same headers is not read with 甲's choices.
    browser.post("/logout", {})
    browser.login("b-lead")
    other = upload(browser, csv_bytes(rows_for(b), HEADER), "乙.csv")
    assert other.status_code == 422 and "没有一列是房号" in other.text and "上次的选择" not in other.text


def test_two_columns_for_one_field_are_refused_and_nothing_is_kept(app, world, browser):
    a = world.a
    browser.login("a-lead")
    first = upload(browser, csv_bytes(rows_for(a), HEADER), "a.csv")
    form = choose(choose(mapping_form(first.text), "户室", "room"), "备用", "room")
    refused = send_mapping(browser, first.text, form)
    assert refused.status_code == 422
    assert "有两列都读作房号：“户室”、“备用”。请只保留一列" in refused.text
    job_id = re.search(r'action="/imports/([^"/]+)/columns"', refused.text).group(1)
    assert jobs.read_state(job_id).get("mapping") is None  # the job still reads the file as uploaded
    assert 'id="confirm"' not in refused.text
    # A field no column can hold, sent by hand, is refused the same way.
    forged = send_mapping(browser, first.text, choose(mapping_form(first.text), "户室", "password"))
    assert forged.status_code == 422 and "请为每一列从列表中选择" in forged.text
    assert site_count() == 10 and mappings(a.community.id) == {}
    # Another user cannot map (or even see) this job.
    browser.post("/logout", {})
    browser.login("b-lead")
    assert send_mapping(browser, first.text, {**form, "csrf_token": browser.csrf()}).status_code == 404


def test_a_file_without_station_and_community_asks_a_district_admin_for_them(world, browser):
    browser.login("district-admin")
    data = csv_bytes([["7号楼", "101"]], ["楼栋", "房号"])
    page = upload(browser, data, "a.csv")
    assert page.status_code == 422
    assert "没有一列是派出所、社区" in page.text
    assert 'id="columns"' in page.text and "每一行都按您所在的" not in page.text
    assert site_count() == 10


def test_every_row_is_accounted_for_title_blank_totals_and_merged_cells(world, browser):
    a = world.a
    browser.login("district-admin")
    rows = [
        ["甲社区住户名册", "", "", "", "", ""],
        ["填表人：王五", "", "", "", "日期：2024-05-01", ""],
        ["派出所", "社区", "网格", "楼栋", "房号", "人数"],
        [a.area.name, a.community.name, a.grid.name, "8号楼", "101", "2"],
        ["", "", "", "", "102", "3"],  # merged cells: station, community, grid and building shown once per block
        ["", "", "", "", "", ""],
        ["", "", "", "", "103", "-1"],  # refused: an impossible count
        ["合计", "", "", "", "", "=SUM(F4:F7)"],
    ]
    out = io.StringIO()
    import csv

    csv.writer(out).writerows(rows)
    page = upload(browser, out.getvalue().encode("utf-8"), "merged.csv")
    accounted = page.text.split('id="accounted"')[1].split("</section>")[0]
    assert "3 行是住户：新增 2，更新 0，不变 0，有错 1。" in accounted
    assert "跳过 3 行" in accounted and "略过 1 个空行" in accounted  # the title, the 填表人 line, the totals
    assert "第 1 行" in accounted and "表格上方的标题或说明" in accounted
    assert "2 行的派出所/社区沿用了上一行（合并单元格）" in accounted
    assert "第 8 行" in accounted  # the totals row, by its line in the file
    errors = page.text.split('id="errors"')[1].split("</section>")[0]
    assert "第 7 行" in errors and "-1" in errors
    assert site_count() == 10


def test_phone_householder_and_status_are_stored_masked_in_lists_and_audited_masked(world, browser):
    a = world.a
    browser.login("a-lead")
    header = ["派出所", "社区", "网格", "楼栋", "房号", "户主", "联系电话", "状态"]
    place = [a.area.name, a.community.name, a.grid.name, a.building.name]
    data = csv_bytes([[*place, "601", "张三", "138 0013 8000", "空置"]], header)
    confirm(browser, upload(browser, data, "a.csv").text)
    site = db.session.scalar(select(Site).where(Site.room == "601"))
    assert (site.householder, site.contact_phone, site.status) == ("张三", "13800138000", "vacant")
    roster = browser.client.get(f"/buildings/{a.building.id}/roster").text
    assert "张某" in roster and "138****8000" in roster
    assert "张三" not in roster and "13800138000" not in roster

    # The same row masked (as an export writes it) keeps what is stored; a new name is an update, audited masked.
    kept = upload(browser, csv_bytes([[*place, "601", "张某", "138****8000", "空置"]], header), "b.csv")
    assert figure(kept.text, "unchanged") == "1" and figure(kept.text, "to-update") == "0"
    changed = upload(browser, csv_bytes([[*place, "601", "李四", "", "有人居住"]], header), "c.csv")
    updates = changed.text.split('id="updates"')[1].split("</section>")[0]
    assert "户主: 张某 → 李某" in updates and "李四" not in updates
    confirm(browser, changed.text)
    db.session.refresh(site)
    assert (site.householder, site.contact_phone, site.status) == ("李四", "13800138000", "occupied")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "site.update")).all()[-1]
    assert event.before == {"householder": "张某", "status": "vacant"}
    assert event.after == {"householder": "李某", "status": "occupied"}

    # A masked cell that is not what is stored cannot be read: the row is refused, nothing written.
    wrong = upload(browser, csv_bytes([[*place, "601", "王某", "139****0000", ""]], header), "d.csv")
    assert wrong.status_code == 422 and "是隐去部分的写法" in wrong.text
    db.session.refresh(site)
    assert site.householder == "李四"


def test_the_edit_form_edits_the_householder_in_full(world, browser):
    site = world.a.sites[1]
    browser.login("a-lead")
    form = {"unit": "1", "floor": "2", "room": "201", "residents": "3", "kind": "household", "status": "occupied"}
    assert browser.post(f"/sites/{site.id}/edit", {**form, "householder": "欧阳娜娜"}).status_code == 303
    db.session.refresh(site)
    assert site.householder == "欧阳娜娜"
    assert 'value="欧阳娜娜"' in browser.client.get(f"/sites/{site.id}/edit").text
    assert "欧阳某" in browser.client.get(f"/buildings/{world.a.building.id}/roster").text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "site.update"))
    assert event.after["householder"] == "欧阳某"
    assert browser.post(f"/sites/{site.id}/edit", {**form, "householder": ""}).status_code == 303
    db.session.refresh(site)
    assert site.householder is None
    assert db.session.scalar(select(func.count(ImportMapping.id))) == 0


def test_the_import_command_names_the_columns_a_file_lacks_and_writes_nothing(app, world, tmp_path):
    path = tmp_path / "名册.csv"
    path.write_bytes(csv_bytes([["7号楼", "101"]], ["楼栋", "房号"]))
    result = app.test_cli_runner().invoke(args=["import-sites", str(path)])
    assert result.exit_code == 1 and "No column gives station, community" in result.output
    assert site_count() == 10
