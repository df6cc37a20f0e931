"""Leads fix what they see at a door: edit it, mark it moved out (confirmed, with 撤销 for 5 minutes); an
import links its new buildings; the daily log's volunteer filter lists only people who record visits."""

import re
from datetime import timedelta

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.limits import UNDO_WINDOW
from fieldapp.models import Area, AuditEvent
from tests.test_review import talk
from tests.test_roster import HEADER_ZH, confirm, csv_bytes, upload


def door_page(browser, site) -> str:
    return browser.client.get(f"/h/{site.active_tag.token}").text


def test_a_lead_sees_edit_and_moved_out_on_the_door_page_a_volunteer_does_not(world, browser):
    site = world.a.sites[0]
    browser.login("a-lead")
    page = door_page(browser, site)
    assert f'href="/sites/{site.id}/edit?next=/h/{site.active_tag.token}"' in page and "编辑此户" in page
    assert f'href="/sites/{site.id}/moved-out?next=/h/{site.active_tag.token}"' in page and "已搬离" in page
    # The edit page saves and comes back to the door.
    response = browser.post(
        f"/sites/{site.id}/edit?next=/h/{site.active_tag.token}",
        {"unit": "1", "floor": "1", "room": "101", "residents": "5", "kind": "household", "status": "occupied"},
    )
    assert response.status_code == 303 and response.location.endswith(f"/h/{site.active_tag.token}")
    browser.post("/logout", {})
    browser.login("a-volunteer")
    page = door_page(browser, site)
    assert "编辑此户" not in page and f"/sites/{site.id}/moved-out" not in page
    assert browser.client.get(f"/sites/{site.id}/moved-out").status_code == 403


def households(area: Area) -> int:
    db.session.refresh(area)
    return area.resident_households


def test_moved_out_asks_first_says_what_it_changes_and_can_be_undone_for_five_minutes(world, browser):
    a, site = world.a, world.a.sites[1]
    before = households(a.building)
    browser.login("a-lead")
    back = f"/h/{site.active_tag.token}"
    page = browser.client.get(f"/sites/{site.id}/moved-out?next={back}").text
    assert f"确认 {site.door_label} 已搬离？" in page
    assert f'1号楼</strong> 应入户数</span> <span class="moved-count">{before} → {before - 1}</span>' in page
    assert households(a.building) == before  # asking changed nothing

    response = browser.post(f"/sites/{site.id}/moved-out?next={back}", {})
    assert response.status_code == 303
    assert households(a.building) == before - 1 and households(a.area) == households(a.community)
    page = browser.client.get(response.location).text
    assert "撤销" in page and f"{before} → {before - 1}" in page and "前可以撤销" in page

    response = browser.post(f"/sites/{site.id}/moved-out/undo?next={back}", {})
    assert response.status_code == 303 and response.location.endswith(back)
    db.session.refresh(site)
    assert site.status == "occupied" and households(a.building) == before
    assert "已撤销" in browser.client.get(back).text
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "site", AuditEvent.object_id == site.id)
    ).all()
    assert actions == ["site.update", "site.moved_out_undone"]  # audited both ways

    # Moved out again, and the clock moves past the window: undo is refused, nothing changes.
    browser.post(f"/sites/{site.id}/moved-out", {})
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_id == site.id).order_by(AuditEvent.id.desc())
    ).first()
    event.at -= UNDO_WINDOW + timedelta(seconds=1)
    db.session.commit()
    page = browser.client.get(f"/sites/{site.id}/moved-out").text
    assert "前可以撤销" not in page and "编辑此户" in page
    page = browser.post(f"/sites/{site.id}/moved-out/undo", {}, follow_redirects=True).text
    assert "已搬离只能在 5 分钟内撤销" in page
    db.session.refresh(site)
    assert site.status == "moved_out" and households(a.building) == before - 1


def test_a_volunteer_cannot_undo_a_move_out(world, browser):
    site = world.a.sites[1]
    browser.login("a-lead")
    browser.post(f"/sites/{site.id}/moved-out", {})
    browser.post("/logout", {})
    browser.login("a-volunteer")
    page = browser.post(f"/sites/{site.id}/moved-out/undo", {}, follow_redirects=True).text
    assert "只有本辖区的楼栋长和负责人可以撤销已搬离" in page
    db.session.refresh(site)
    assert site.status == "moved_out"


def test_the_import_result_links_each_new_building_to_its_doors_and_tags(world, browser):
    a = world.a
    rows = [
        [a.area.name, a.community.name, a.grid.name, "7号楼", "1", "1", "101", "2", "", "", ""],
        [a.area.name, a.community.name, "新网格", "8号楼", "1", "1", "101", "2", "", "", ""],
    ]
    browser.login("a-supervisor")
    preview = upload(browser, csv_bytes(rows, HEADER_ZH), "new.csv")
    assert preview.status_code == 200, preview.text
    result = confirm(browser, preview.text).text
    for name in ("7号楼", "8号楼"):
        building = db.session.scalar(select(Area).where(Area.name == name))
        assert f'href="/areas/{building.id}"' in result and f'href="/areas/{building.id}/tags"' in result
        assert name in result
    assert "新网格 › 8号楼" in result


def test_the_daily_log_volunteer_filter_lists_no_supervisor_or_lead(world, browser):
    a = world.a
    browser.login("a-supervisor")
    page = browser.client.get("/log").text
    options = re.search(r'<select[^>]*name="volunteer".*?</select>', page, re.S).group(0)
    assert a.volunteer.display_name in options
    assert a.supervisor.display_name not in options and a.lead.display_name not in options
    # A lead who did knock on a door can be found by it.
    talk(world, a.sites[0], user=a.lead)
    db.session.commit()
    options = re.search(r'<select[^>]*name="volunteer".*?</select>', browser.client.get("/log").text, re.S).group(0)
    assert a.lead.display_name in options and a.supervisor.display_name not in options
