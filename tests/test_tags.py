"""Door tags: printed sheets decode to the right doors, reprints retire old tags, blank tags bind at the door."""

import ctypes.util
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Site, Tag
from tests.conftest import unavailable

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "labels"


@pytest.fixture(autouse=True)
def base_url(request):
    """A deployment prints tags with FIELDAPP_BASE_URL set (required on PostgreSQL: tests/test_security_data.py)."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["BASE_URL"] = "https://fz.example.cn"


def decoder():
    """zbar (Debian libzbar0, through pyzbar) and pdftoppm (Debian poppler-utils), or skip (fail in CI)."""
    if not shutil.which("pdftoppm"):
        unavailable("pdftoppm (Debian poppler-utils) is not installed")
    if not ctypes.util.find_library("zbar"):
        unavailable("libzbar0 (Debian) is not installed")
    from pyzbar import pyzbar

    return pyzbar


def add_doors(building, count: int) -> None:
    for number in range(count):
        db.session.add(
            Site(building_id=building.id, unit="2", floor=10 + number // 4, room=f"{10 + number // 4}0{number % 4 + 1}")
        )
    db.session.commit()


@pytest.mark.parametrize("database_uri", ["sqlite"], indirect=True)  # printing reads little; once is enough
def test_each_label_on_a_printed_sheet_decodes_to_its_households_url(app, world, browser, tmp_path):
    pyzbar = decoder()
    app.config["BASE_URL"] = "https://fz.example.cn"
    a = world.a
    add_doors(a.building, 26)  # 31 doors: a full page of 24 and a second page
    browser.login("a-lead")
    assert browser.post(f"/areas/{a.building.id}/tags/mint", {}).status_code == 303
    queued = browser.client.get(f"/areas/{a.building.id}/tags.pdf")  # over a page: drawn by the queue's worker
    assert queued.status_code == 303 and "/tags/jobs/" in queued.headers["Location"]
    page = browser.client.get(queued.headers["Location"])  # (tests run queued work at once)
    assert "标签已备好" in page.text and "hx-trigger" not in page.text
    download = re.search(r'href="(/tags/jobs/[^"]+\.pdf)"', page.text).group(1)
    response = browser.client.get(download)
    assert response.mimetype == "application/pdf"
    pdf = tmp_path / "tags.pdf"
    pdf.write_bytes(response.data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)  # noqa: S603,S607
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pages[0], ARTIFACTS / f"door-tags-page1-{db.engine.dialect.name}.png")

    decoded = [sorted(code.data.decode() for code in pyzbar.decode(Image.open(page))) for page in pages]
    assert [len(codes) for codes in decoded] == [24, 7]
    sites = db.session.scalars(select(Site).where(Site.building_id == a.building.id, Site.status != "moved_out")).all()
    expected = {f"https://fz.example.cn/h/{site.active_tag.token}" for site in sites}
    assert set(decoded[0] + decoded[1]) == expected
    # The right household: each URL opens the door its label names.
    first = pyzbar.decode(Image.open(pages[0]))[0]
    token = first.data.decode().rsplit("/", 1)[1]
    door = browser.client.get(f"/h/{token}").text
    tag = db.session.scalar(select(Tag).where(Tag.token == token))
    assert tag.site.room in door


def test_reprinting_retires_the_old_tag_and_audits_it(world, browser):
    site = world.a.sites[0]
    old = site.active_tag
    browser.login("a-lead")
    edit = browser.client.get(f"/sites/{site.id}/edit").text
    reprint_form = edit.split('id="door-tag"')[1]
    assert old.short_code in reprint_form and f'action="/sites/{site.id}/reprint"' in reprint_form
    assert 'name="csrf_token"' in reprint_form
    response = browser.post(f"/sites/{site.id}/reprint", {}, follow_redirects=True)
    assert response.status_code == 200
    db.session.refresh(site)
    new = site.active_tag
    assert new.id != old.id and new.short_code in response.text
    assert browser.client.get(f"/h/{new.token}").status_code == 200
    png = browser.client.get(f"/tags/{new.id}/label.png")
    assert png.mimetype == "image/png" and Image.open(io.BytesIO(png.data)).size == (827, 437)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tag.reprint"))
    assert (event.before, event.after, event.user_id) == (
        {"tag": old.short_code},
        {"tag": new.short_code},
        world.a.lead.id,
    )


def test_a_blank_tag_asks_which_room_on_its_first_scan_and_binds(world, browser):
    a = world.a
    new_site = Site(building_id=a.building.id, unit="1", floor=5, room="501")
    db.session.add(new_site)
    db.session.commit()
    browser.login("a-lead")
    assert browser.post(f"/areas/{a.grid.id}/tags/blank", {"count": "3"}).status_code == 303
    blank = db.session.scalars(select(Tag).where(Tag.site_id.is_(None))).all()
    assert len(blank) == 3 and all(tag.area_id == a.grid.id for tag in blank)
    pdf = browser.client.get(f"/areas/{a.grid.id}/tags.pdf?blank=1")
    assert pdf.data.startswith(b"%PDF")

    browser.client.post("/logout", data={"csrf_token": browser.csrf()})
    browser.login("a-volunteer")
    token = blank[0].token
    first = browser.client.get(f"/h/{token}")
    assert first.status_code == 303 and first.location.endswith(f"/h/{token}/bind")
    page = browser.client.get(f"/h/{token}/bind")
    assert "这是哪一户的门？" in page.text and "1单元 501" in page.text
    assert browser.post(f"/h/{token}/bind", {"site_id": "0"}).status_code == 422
    response = browser.post(f"/h/{token}/bind", {"site_id": str(new_site.id)})
    assert response.status_code == 303
    opened = browser.client.get(f"/h/{token}")
    assert opened.status_code == 200 and "501" in opened.text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tag.bind"))
    assert event.after["site_id"] == new_site.id and event.user_id == a.volunteer.id
    # Bound for good: a second bind goes to the door instead.
    assert browser.post(f"/h/{token}/bind", {"site_id": str(a.sites[0].id)}).status_code == 303
    db.session.refresh(blank[0])
    assert blank[0].site_id == new_site.id


def test_another_areas_blank_tag_or_sheet_is_404(world, browser):
    b = world.b
    browser.login("b-lead")
    browser.post(f"/areas/{b.grid.id}/tags/blank", {"count": "1"})
    tag = db.session.scalar(select(Tag).where(Tag.site_id.is_(None)))
    browser.client.post("/logout", data={"csrf_token": browser.csrf()})
    browser.login("a-lead")
    other = b.sites[0].active_tag.id
    urls = [f"/h/{tag.token}", f"/h/{tag.token}/bind", f"/areas/{b.building.id}/tags", f"/areas/{b.grid.id}/tags.pdf"]
    urls += [f"/areas/{b.grid.id}/tags.zip", f"/areas/{b.building.id}/tags/choose"]
    for url in [*urls, f"/tags/{other}", f"/tags/{other}/label.png"]:
        assert browser.client.get(url).status_code == 404, url
    assert browser.post(f"/h/{tag.token}/bind", {"site_id": str(world.a.sites[0].id)}).status_code == 404
    assert browser.post(f"/sites/{b.sites[0].id}/reprint", {}).status_code == 404
    assert browser.post(f"/areas/{b.grid.id}/tags/blank", {"count": "5"}).status_code == 404
    db.session.refresh(tag)
    assert tag.site_id is None
    assert db.session.scalar(select(Tag).where(Tag.site_id.is_(None), Tag.area_id == world.a.grid.id)) is None


def test_the_report_lists_tags_never_bound_and_never_scanned(world, browser):
    a = world.a
    browser.login("a-lead")
    browser.post(f"/areas/{a.grid.id}/tags/blank", {"count": "2"})
    page = browser.client.get(f"/areas/{a.grid.id}/tags").text
    assert "已打印、未绑定：2" in page and "已贴门、从未扫码：5" in page
    browser.client.get(f"/h/{a.sites[0].active_tag.token}")
    db.session.refresh(a.sites[0].active_tag)
    assert a.sites[0].active_tag.last_scanned_at is not None
    assert "已贴门、从未扫码：4" in browser.client.get(f"/areas/{a.grid.id}/tags").text


def test_a_volunteer_cannot_print_tags(world, browser):
    browser.login("a-volunteer")
    assert browser.client.get(f"/areas/{world.a.building.id}/tags").status_code == 403
    assert browser.client.get(f"/areas/{world.a.building.id}/tags.pdf").status_code == 403
    assert browser.client.get(f"/areas/{world.a.building.id}/tags.zip").status_code == 403
    assert browser.post(f"/areas/{world.a.grid.id}/tags/blank", {"count": "5"}).status_code == 403


def test_a_retired_tag_says_so_and_names_whom_to_ask(world, browser):
    a = world.a
    old = a.sites[0].active_tag
    browser.login("a-lead")
    browser.post(f"/sites/{a.sites[0].id}/reprint", {})
    browser.client.post("/logout", data={"csrf_token": browser.csrf()})
    browser.login("a-volunteer")
    for url in (f"/h/{old.token}", f"/code?c={old.short_code}"):
        page = browser.client.get(url)
        assert page.status_code == 410, url
        assert "这张门牌码已停用" in page.text and old.short_code in page.text
        contacts = page.text.split('id="contacts"')[1].split("</ul>")[0]
        # The lead of the community the building is in, and the station's supervisor; nobody from station B.
        assert "楼栋长：甲派出所楼栋长" in contacts and "负责人：甲派出所负责人" in contacts
        assert "乙派出所" not in contacts
        assert 'name="outcome"' not in page.text  # it opens no household: no visit form


def zbar():
    if not ctypes.util.find_library("zbar"):
        unavailable("libzbar0 (Debian) is not installed")
    from pyzbar import pyzbar

    return pyzbar


def test_a_lead_ticks_doors_and_gets_one_png_label_for_each(app, world, browser):
    pyzbar = zbar()
    app.config["BASE_URL"] = "https://fz.example.cn"
    a = world.a
    new_door = Site(building_id=a.building.id, unit="1", floor=6, room="601", status="new")
    db.session.add(new_door)
    db.session.commit()
    browser.login("a-lead")
    page = browser.client.get(f"/areas/{a.building.id}/tags/choose")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text
    assert page.text.count('type="checkbox" name="site"') == 6  # every door still lived in, the new one too
    assert 'value="pdf"' in page.text and 'value="zip"' in page.text

    chosen = [a.sites[1], new_door]  # one with a tag, one still without
    response = browser.post(
        f"/areas/{a.building.id}/tags/choose", {"site": [str(site.id) for site in chosen], "format": "zip"}
    )
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert len(names) == 2 and names[1].startswith("0002-1单元-601-")
    decoded = [pyzbar.decode(Image.open(io.BytesIO(archive.read(name))))[0].data.decode() for name in names]
    db.session.refresh(new_door)
    assert new_door.active_tag is not None  # the door without a tag got one
    assert decoded == [f"https://fz.example.cn/h/{site.active_tag.token}" for site in chosen]
    assert db.session.scalar(select(Tag.id).where(Tag.site_id == a.sites[0].id, Tag.retired_at.is_(None)))

    mint = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tags.mint"))
    assert mint.after == {"count": 1, "site_ids": [new_door.id]} and mint.user_id == a.lead.id
    printed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tags.print"))
    assert printed.after == {"what": "selection", "format": "zip", "count": 2}

    pdf = browser.post(f"/areas/{a.building.id}/tags/choose", {"site": [str(a.sites[1].id)], "format": "pdf"})
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_printing_a_selection_refuses_nothing_ticked_other_doors_and_missing_csrf(world, browser):
    a, b = world.a, world.b
    browser.login("a-lead")
    tags_before = db.session.scalar(select(func.count(Tag.id)))
    url = f"/areas/{a.building.id}/tags/choose"
    nothing = browser.post(url, {"format": "pdf"})
    assert nothing.status_code == 422 and "请至少勾选一户" in nothing.text
    # A door of another station, even mixed in with one's own: 404, nothing made or printed.
    mixed = browser.post(url, {"site": [str(a.sites[0].id), str(b.sites[0].id)], "format": "pdf"})
    assert mixed.status_code == 404
    assert browser.post(f"/areas/{b.building.id}/tags/choose", {"site": [str(b.sites[0].id)]}).status_code == 404
    assert browser.client.post(url, data={"site": [str(a.sites[0].id)], "format": "pdf"}).status_code == 400
    assert browser.post(url, {"site": [str(a.sites[0].id)], "format": "exe"}).status_code == 400
    assert db.session.scalar(select(func.count(Tag.id))) == tags_before
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action.like("tags.%"))) == 0

    browser.client.post("/logout", data={"csrf_token": browser.csrf()})
    browser.login("a-volunteer")
    assert browser.client.get(url).status_code == 403
    assert browser.post(url, {"site": [str(a.sites[0].id)], "format": "pdf"}).status_code == 403


def test_a_whole_building_as_png_labels_and_the_download_is_audited(world, browser):
    a = world.a
    browser.login("a-lead")
    response = browser.client.get(f"/areas/{a.building.id}/tags.zip")
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert len(names) == 5 and all(name.endswith(".png") for name in names)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tags.print"))
    assert (event.object_id, event.after, event.user_id) == (
        a.building.id,
        {"what": "doors", "format": "zip", "count": 5},
        a.lead.id,
    )


def test_the_grid_page_leads_a_lead_to_its_tags_and_the_building_page_to_its_roster(world, browser):
    a = world.a
    browser.login("a-lead")
    assert f'href="/areas/{a.grid.id}/tags"' in browser.client.get(f"/areas/{a.grid.id}").text
    building = browser.client.get(f"/areas/{a.building.id}").text
    assert f'href="/buildings/{a.building.id}/roster"' in building
    roster = browser.client.get(f"/buildings/{a.building.id}/roster").text
    assert f'href="/areas/{a.building.id}/tags/choose"' in roster
    browser.client.post("/logout", data={"csrf_token": browser.csrf()})
    browser.login("a-volunteer")
    assert f'href="/areas/{a.grid.id}/tags"' not in browser.client.get(f"/areas/{a.grid.id}").text


def test_without_a_chinese_font_printing_says_how_to_fix_it_and_records_nothing(world, browser, monkeypatch):
    from fieldapp.tags import sheet

    def no_font():
        raise sheet.FontMissing(str(sheet.FontMissing.message))

    monkeypatch.setattr(sheet, "cached_font_file", no_font)
    sheet.font.cache_clear()
    browser.login("a-lead")
    a = world.a
    for response in (
        browser.client.get(f"/areas/{a.building.id}/tags.pdf"),
        browser.post(f"/areas/{a.building.id}/tags/choose", {"site": [str(a.sites[0].id)], "format": "zip"}),
    ):
        assert response.status_code == 503 and "fonts-noto-cjk" in response.text
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action.like("tags.%"))) == 0
    sheet.font.cache_clear()
