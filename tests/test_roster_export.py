"""An area's roster as a spreadsheet for the level above: the template's columns, phone and householder masked,
audited, and it imports back with nothing changed."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Site
from fieldapp.roster.files import COLUMNS
from tests.test_roster import confirm, upload


def site_audit() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action.like("site.%")))


def table(data: bytes, fmt: str) -> list[list]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def householders(world):
    """Two doors of 甲 with a householder and a phone, one a shop on its own grid-less floor."""
    a = world.a
    a.sites[0].householder = "欧阳娜娜"
    a.sites[1].householder, a.sites[1].contact_phone, a.sites[1].kind = "王五", "13900001111", "shop"
    db.session.commit()
    return a


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_roster_exported_and_imported_again_changes_nothing(world, browser, householders, fmt, lang):
    a = householders
    if lang == "en":
        browser.client.set_cookie("lang", "en")
    browser.login("a-lead")
    response = browser.client.get(f"/areas/{a.community.id}/roster.{fmt}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = table(response.data, fmt)
    assert rows[0] == [en if lang == "en" else zh for _key, zh, en in COLUMNS]
    assert len(rows) == 1 + len(a.sites)
    text = repr(rows)
    assert "欧阳某" in text and "王某" in text and "139****1111" in text and "138****1234" in text
    assert "欧阳娜娜" not in text and "13900001111" not in text and "13812341234" not in text
    assert ("Shop" if lang == "en" else "商户") in text and ("Vacant" if lang == "en" else "空置") in text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "roster.export"))
    assert (event.object_id, event.after) == (a.community.id, {"format": fmt, "doors": len(a.sites)})

    sites, audited = db.session.scalar(select(func.count(Site.id))), site_audit()
    preview = upload(browser, response.data, f"roster.{fmt}")
    assert preview.status_code == 200, preview.text
    unchanged = "Unchanged" if lang == "en" else "不变"
    assert f'id="unchanged"><span class="label">{unchanged}</span><strong>{len(a.sites)}<' in preview.text
    assert 'id="to-add"><span class="label">' in preview.text and "<strong>0<" in preview.text.split('id="to-add"')[1]
    assert "<strong>0<" in preview.text.split('id="to-update"')[1][:80]
    assert 'id="columns"' not in preview.text  # every column read by its header: nothing to ask
    confirm(browser, preview.text)
    assert db.session.scalar(select(func.count(Site.id))) == sites and site_audit() == audited
    db.session.expire_all()
    assert (a.sites[1].householder, a.sites[1].contact_phone) == ("王五", "13900001111")


def test_the_export_is_only_for_roster_keepers_of_that_area(world, browser):
    browser.login("a-lead")
    assert browser.client.get(f"/areas/{world.b.community.id}/roster.xlsx").status_code == 404
    assert browser.client.get(f"/areas/{world.district.id}/roster.xlsx").status_code == 404  # not their area
    links = browser.client.get(f"/areas/{world.a.community.id}").text
    assert f"/areas/{world.a.community.id}/roster.xlsx" in links
    roster = browser.client.get(f"/buildings/{world.a.building.id}/roster").text
    assert f"/areas/{world.a.building.id}/roster.csv" in roster
    browser.post("/logout", {})
    browser.login("a-volunteer")
    assert browser.client.get(f"/areas/{world.a.building.id}/roster.csv").status_code == 403
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "roster.export")) == 0
