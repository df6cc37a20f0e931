"""倒查: a supervisor finds a household after a fraud case by address, door code or phone, reads its whole record,
downloads the case file and records the conclusion once."""

import io
import re
import uuid
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from fieldapp.areas.services import add_area
from fieldapp.backchecks.search import parse
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, BackCheck, OutreachEvent, Site
from fieldapp.tags.services import mint_tag
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit
from tests.conftest import Browser, csrf_from


def household(station_area, community_name: str, building_name: str, unit: str, room: str, phone=None) -> Site:
    community = add_area(station_area, "community", community_name)
    grid = add_area(community, "grid", f"{community_name}一网格")
    building = add_area(grid, "building", building_name, lat=30.0, lon=120.0)
    site = Site(building_id=building.id, unit=unit, room=room, residents=2, contact_phone=phone, householder="张三丰")
    db.session.add(site)
    db.session.flush()
    mint_tag(building, site)
    return site


@pytest.fixture
def case(world):
    """东门社区 3号楼 2单元 502, visited twice and the place of one event; 西门社区 has the same door."""
    site = household(world.a.area, "东门社区", "3号楼", "2", "502", phone="13900005678")
    household(world.a.area, "西门社区", "3号楼", "2", "502", phone="13900001111")
    household(world.b.area, "北门社区", "3号楼", "2", "502", phone="13700005678")  # another station's
    db.session.commit()
    first, _ = record_visit(world.a.volunteer, site, VisitInput("not_home"), str(uuid.uuid4()))
    first.server_time = utcnow() - timedelta(days=3)
    record_visit(world.a.volunteer, site, VisitInput("talked", 2, 1, notice_signed=True), str(uuid.uuid4()))
    now = utcnow()
    db.session.add(
        OutreachEvent(
            client_uuid=str(uuid.uuid4()),
            kind="lecture",
            title="楼道反诈讲座",
            area_id=site.building_id,
            site_id=site.id,
            recorded_by_id=world.a.supervisor.id,
            held_at=now - timedelta(days=1),
            day=(now - timedelta(days=1)).date(),
            people_reached=30,
        )
    )
    db.session.commit()
    return site


def login(client, user, lang: str = "en") -> Browser:
    browser = Browser(client)
    browser.login(user.username)
    client.get(f"/lang/{lang}")
    return browser


def result_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'href="/backchecks/sites/(\d+)', page)]


def test_the_query_is_read_into_building_unit_and_room():
    spaced = parse("东门 3号楼 2单元 502")
    assert (spaced.words, spaced.building, spaced.unit, spaced.room) == (["东门"], "3", "2", "502")
    whole = parse("东门社区3栋2单元502室")
    assert (whole.words, whole.building, whole.unit, whole.room) == (["东门社区"], "3", "2", "502")
    assert (parse("3-2-502").building, parse("3-2-502").unit, parse("3-2-502").room) == ("3", "2", "502")
    assert parse("5678").last_four == "5678"
    assert parse("ab2c3def").door_code == "AB2C3DEF"
    assert parse("三号楼 二单元").building == "3"


SPELLINGS = [
    # (typed, building, unit, room): however the number is written, the same door
    ("三号楼", "3", "", ""),
    ("3号楼", "3", "", ""),
    ("3栋", "3", "", ""),
    ("3幢", "3", "", ""),
    ("3#楼", "3", "", ""),
    ("第三栋", "3", "", ""),
    ("十三号楼", "13", "", ""),
    ("二单元", "", "2", ""),
    ("2单元", "", "2", ""),
    ("502室", "", "", "502"),
    ("502", "", "", "502"),
    ("502号", "", "", "502"),
    ("五〇二", "", "", "502"),
    ("五零二室", "", "", "502"),
    ("３号楼 ２单元 ５０２", "3", "2", "502"),
    ("三号楼二单元五〇二室", "3", "2", "502"),
    ("3幢2单元", "3", "2", ""),
    ("二单元502室", "", "2", "502"),
    ("3栋2-502", "3", "2", "502"),
    ("3号 2单元 502", "3", "2", "502"),
    ("3号楼 1502", "3", "", "1502"),
]


@pytest.mark.parametrize(("typed", "building", "unit", "room"), SPELLINGS)
def test_every_common_spelling_of_a_number_reads_as_digits(typed, building, unit, room):
    query = parse(typed)
    assert (query.building, query.unit, query.room, query.words) == (building, unit, room, [])


def test_place_words_stay_words_and_odd_numerals_are_not_guessed():
    assert parse("东门3号楼2单元502室").words == ["东门"]
    assert parse("东门 三栋 二单元 五〇二").words == ["东门"]
    assert parse("三四十号楼").building == ""  # not one number: searched as a word, never read as 30 or 340
    assert parse("张三丰").words == ["张三丰"]


@pytest.mark.parametrize(
    "typed",
    [
        "东门 三号楼 二单元 502室",
        "东门 3栋 2单元 502",
        "东门 3幢 二单元 五〇二",
        "东门三号楼二单元502",
        "东门 3#楼 2-502",
    ],
)
def test_the_door_is_found_first_however_its_numbers_are_written(client, world, case, typed):
    login(client, world.a.supervisor)
    found = result_ids(client.get("/backchecks", query_string={"q": typed}).text)
    assert found[:1] == [case.id]


def test_a_building_named_in_chinese_numerals_is_found_by_digits(client, world, case):
    written = household(world.a.area, "南门社区", "十二号楼", "1", "101")
    db.session.commit()
    login(client, world.a.supervisor)
    for typed in ("南门 12号楼 1单元 101", "南门 十二栋 一单元 101"):
        assert result_ids(client.get("/backchecks", query_string={"q": typed}).text) == [written.id], typed


def test_household_is_found_first_by_phone_digits_and_by_address_fragments(client, world, case):
    login(client, world.a.supervisor)
    for text in ("5678", "东门 3号楼 2单元 502", "东门社区3栋2单元502室", "东门 3栋 2-502", case.active_tag.short_code):
        page = client.get("/backchecks", query_string={"q": text}).text
        found = result_ids(page)
        assert found and found[0] == case.id, text
    narrowed = client.get("/backchecks", query_string={"q": "东门 3号楼 2单元 502"}).text
    assert result_ids(narrowed) == [case.id]  # 西门社区's 3号楼 2单元 502 is another door
    assert "东门社区 · 3号楼 · " in narrowed
    both = client.get("/backchecks", query_string={"q": "3号楼 2单元 502"}).text
    assert "东门社区 · 3号楼" in both and "西门社区 · 3号楼" in both  # the community tells them apart
    assert "139****5678" in client.get("/backchecks", query_string={"q": "5678"}).text
    assert "13900005678" not in client.get("/backchecks", query_string={"q": "5678"}).text


def test_another_stations_households_never_appear_for_a_station_supervisor(client, world, case):
    other = db.session.scalar(select(Site).where(Site.contact_phone == "13700005678"))
    login(client, world.a.supervisor)
    for text in (
        "5678",
        "3号楼 2单元 502",
        "北门 3号楼 2单元 502",
        "1234",
        "1号楼 1单元 101",
        other.active_tag.short_code,
    ):
        page = client.get("/backchecks", query_string={"q": text}).text
        assert other.id not in result_ids(page) and world.b.sites[0].id not in result_ids(page), text
    assert client.get(f"/backchecks/sites/{other.id}").status_code == 404
    assert client.get(f"/backchecks/sites/{other.id}/case.xlsx").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/backchecks").text)})
    login(client, world.admin)
    assert other.id in result_ids(client.get("/backchecks", query_string={"q": "5678"}).text)


def test_a_volunteer_may_not_back_check(client, world, case):
    browser = login(client, world.a.volunteer)
    assert client.get("/backchecks", query_string={"q": "5678"}).status_code == 403
    assert client.get(f"/backchecks/sites/{case.id}").status_code == 403
    assert client.get(f"/backchecks/sites/{case.id}/case.xlsx").status_code == 403
    answer = browser.post(f"/backchecks/sites/{case.id}", {"client_uuid": str(uuid.uuid4()), "visited_before": "no"})
    assert answer.status_code == 403
    assert db.session.scalar(select(func.count(BackCheck.id))) == 0


def test_household_page_and_case_file_list_every_visit_and_event_with_who_and_when(client, world, case):
    login(client, world.a.supervisor)
    page = client.get(f"/backchecks/sites/{case.id}").text
    assert page.count(world.a.volunteer.display_name) >= 2 and "楼道反诈讲座" in page
    assert "张某" in page and "张三丰" not in page
    answer = client.get(f"/backchecks/sites/{case.id}/case.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.data)).worksheets[0]
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert any("东门社区 · 3号楼" in str(row[1]) for row in rows if row[0] == "Address")
    header = rows.index(next(row for row in rows if row[0] == "What"))
    history = rows[header + 1 :]
    visits = [row for row in history if row[0] == "Visit"]
    events = [row for row in history if row[0] == "Event"]
    assert len(visits) == 2 and len(events) == 1
    assert all(
        row[2] == world.a.volunteer.display_name and re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[1]) for row in visits
    )
    assert [row[3] for row in visits] == ["Not home", "Talked"]  # oldest first
    assert events[0][2] == world.a.supervisor.display_name and events[0][3] == "楼道反诈讲座"
    audited = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "backcheck.case_file"))
    assert audited is not None and audited.object_id == case.id


def test_the_case_file_is_in_the_readers_language(client, world, case):
    login(client, world.a.supervisor, lang="zh")
    answer = client.get(f"/backchecks/sites/{case.id}/case.xlsx")
    titles = [row[0] for row in load_workbook(io.BytesIO(answer.data)).worksheets[0].iter_rows(values_only=True)]
    assert "走访" in titles and "地址" in titles


def test_a_back_check_sent_twice_is_stored_once_and_counted_on_the_area_page(client, world, case):
    browser = login(client, world.a.supervisor)
    form = client.get(f"/backchecks/sites/{case.id}").text
    assert re.search(r'value="yes"[^>]*checked|checked[^>]*value="yes"', form)  # prefilled: visited before
    client_uuid = re.search(r'name="client_uuid" type="hidden" value="([^"]+)"', form).group(1)
    data = {
        "client_uuid": client_uuid,
        "visited_before": "yes",
        "missed": "未签告知书",
        "action": "补签",
        "case_ref": "A1",
    }
    first = browser.post(f"/backchecks/sites/{case.id}", data)
    second = browser.post(f"/backchecks/sites/{case.id}", data, follow_redirects=True)
    assert first.status_code == 303 and second.status_code == 200
    assert db.session.scalar(select(func.count(BackCheck.id))) == 1
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "backcheck.record")) == 1
    stored = db.session.scalar(select(BackCheck))
    assert (stored.area_id, stored.missed, stored.visited_before) == (case.building_id, "未签告知书", True)
    area_page = client.get(f"/areas/{world.a.area.id}").text
    section = area_page[area_page.index('id="area-back-checks"') :]
    assert re.search(r"This week\s*<strong>1</strong>.*To date\s*<strong>1</strong>.*100", section, re.S)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"visited_before": ""}, "Say whether the household was visited before."),
        ({"visited_before": "maybe"}, "Not a valid choice"),
        ({"client_uuid": "not-a-uuid"}, "This form is damaged"),
        ({"case_ref": "x" * 65}, "At most 64 characters."),
        ({"missed": "x" * 501}, "At most 500 characters."),
    ],
)
def test_bad_back_check_input_is_refused_with_a_message_and_nothing_stored(client, world, case, data, message):
    browser = login(client, world.a.supervisor)
    answer = browser.post(
        f"/backchecks/sites/{case.id}", {"client_uuid": str(uuid.uuid4()), "visited_before": "no", **data}
    )
    assert answer.status_code == 422 and message in answer.text
    assert db.session.scalar(select(func.count(BackCheck.id))) == 0


def test_an_overlong_or_unmatched_search_answers_with_a_sentence(client, world, case):
    login(client, world.a.supervisor)
    long_answer = client.get("/backchecks", query_string={"q": "东" * 300})
    assert long_answer.status_code == 200 and "Type at most 100 characters." in long_answer.text
    nothing = client.get("/backchecks", query_string={"q": "南门 9号楼 9单元 909"})
    assert nothing.status_code == 200 and "No household in your area matches" in nothing.text


def test_the_print_view_holds_the_whole_record_with_who_printed_it_and_is_audited(client, world, case):
    login(client, world.a.supervisor)
    household_page = client.get(f"/backchecks/sites/{case.id}").text
    # A plain link: the print view opens without JavaScript; print.js only adds the print dialog.
    assert f'href="/backchecks/sites/{case.id}/print#print"' in household_page
    page = client.get(f"/backchecks/sites/{case.id}/print")
    assert page.status_code == 200 and page.headers["Cache-Control"].startswith("no-store")
    text = page.text
    assert "东门社区 · 3号楼 · Unit 2 · 502" in text and world.a.area.name in text
    rows = re.findall(
        r"<tr>\s*<td class=\"when\">(\d{4}-\d\d-\d\d \d\d:\d\d)</td>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>", text
    )
    visits = [row for row in rows if row[1] == "Visit"]
    assert [row[2] for row in visits] == [world.a.volunteer.display_name] * 2
    assert [row[2] for row in rows if row[1] == "Event"] == [world.a.supervisor.display_name]
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)  # oldest first
    assert "楼道反诈讲座" in text and "Notice signed Yes" in text and "No GPS" in text
    assert f"Printed by {world.a.supervisor.display_name}" in text
    assert "139****5678" in text and "13900005678" not in text and "张三丰" not in text
    assert "data-print hidden" in text and "/static/js/print.js" in text
    audited = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "backcheck.case_file")).all()
    assert [(event.object_id, event.after["format"]) for event in audited] == [(case.id, "print")]


def test_the_print_view_is_in_the_readers_language_and_guarded_like_the_xlsx(client, world, case):
    login(client, world.a.supervisor, lang="zh")
    text = client.get(f"/backchecks/sites/{case.id}/print").text
    assert "打印 / 存为 PDF" in text and "倒查" in text and "走访" in text and "打印于" in text
    other = db.session.scalar(select(Site).where(Site.contact_phone == "13700005678"))
    assert client.get(f"/backchecks/sites/{other.id}/print").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_from(text)})
    login(client, world.a.volunteer)
    assert client.get(f"/backchecks/sites/{case.id}/print").status_code == 403
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "backcheck.case_file")) == 1
