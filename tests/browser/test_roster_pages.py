"""In a phone-sized Chromium: the building lead's roster, import, door tags and the blank-tag bind page.

Screenshots at 390×844 land in test-artifacts/screens/; every page must fit without sideways
scrolling and keep its tap targets at least 44 px tall.
"""

import io
import zipfile

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Area, Site
from fieldapp.tags.services import mint_tag, reprint_tag
from tests.browser.conftest import PHONE, log_in, phone_context

pytestmark = pytest.mark.browser

# A checkbox is tapped through its label (label.check is 44 px tall): the label is what is measured.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'main a, main button, main select, main input:not([type=hidden])')]
  .filter(e => e.offsetParent && (e.closest('label.check') || e).getBoundingClientRect().height < 44)
  .map(e => (e.textContent || e.name).trim().slice(0, 20))"""


def check_phone_page(page, name: str, screens):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    assert page.evaluate(SMALL_TARGETS) == [], name
    page.screenshot(path=screens / f"{name}.png", full_page=True)


def demo_places(live_server) -> dict:
    with live_server.app.app_context():
        grid = db.session.scalar(select(Area).where(Area.name == "东门一网格"))
        building = db.session.scalar(select(Area).where(Area.parent_id == grid.id).order_by(Area.name))
        sites = db.session.scalars(select(Site).where(Site.building_id == building.id).order_by(Site.id)).all()
        blank = mint_tag(grid)
        lost = sites[-1].active_tag.token
        reprint_tag(sites[-1])  # a tag reported lost: the old one is retired
        db.session.commit()
        return {
            "grid": grid.id,
            "building": building.id,
            "site": sites[0].id,
            "blank": blank.token,
            "retired": lost,
            "tick": [site.id for site in sites[1:3]],
            # A row of a roster file that changes the first door's residents and kind.
            "changed_row": ",".join(
                ("城关派出所", "东门社区", grid.name, building.name, sites[0].unit, str(sites[0].floor), sites[0].room)
            )
            + f",{sites[0].residents + 1},商户",
        }


def test_the_leads_pages_fit_a_phone(live_server, chromium, screens, tmp_path):
    base = live_server.base
    places = demo_places(live_server)
    context = phone_context(chromium)
    page = context.new_page()
    log_in(page, base, "lead")

    page.goto(f"{base}/buildings/{places['building']}/roster")
    check_phone_page(page, "roster-zh", screens)
    page.goto(f"{base}/buildings/{places['building']}/roster?show=revisit")
    check_phone_page(page, "roster-revisit-zh", screens)
    page.goto(f"{base}/sites/{places['site']}/edit")
    check_phone_page(page, "roster-edit-zh", screens)
    page.goto(f"{base}/buildings/{places['building']}/roster/new")
    check_phone_page(page, "roster-new-zh", screens)

    page.goto(f"{base}/imports")
    check_phone_page(page, "import-zh", screens)
    roster = (
        "派出所,社区,网格,楼栋,单元,楼层,房号,人数\n"
        "城关派出所,东门社区,东门一网格,新楼,1,１,101,3\n"
        "城关派出所,无此社区,,1号楼,1,1,101,x\n"
    )
    page.set_input_files("#file", files=[{"name": "名册.csv", "mimeType": "text/csv", "buffer": roster.encode()}])
    page.click("main button[type=submit]")
    assert "第 3 行" in page.locator("#errors").inner_text()
    check_phone_page(page, "import-preview-errors-zh", screens)
    page.goto(f"{base}/imports")
    changed = f"station,community,grid,building,unit,floor,room,residents,kind\n{places['changed_row']}\n"
    page.set_input_files("#file", files=[{"name": "en.csv", "mimeType": "text/csv", "buffer": changed.encode()}])
    page.click("main button[type=submit]")
    assert "类型: 住户 → 商户" in page.inner_text("#updates")
    check_phone_page(page, "import-preview-update-zh", screens)

    page.goto(f"{base}/areas/{places['grid']}")
    check_phone_page(page, "grid-zh", screens)
    with page.expect_navigation():  # measured once the new page is there, not mid-navigation
        page.click("#grid-links a")
    check_phone_page(page, "tags-zh", screens)
    page.goto(f"{base}/areas/{places['building']}")
    check_phone_page(page, "building-zh", screens)
    with page.expect_navigation():
        page.click("#building-links a")
    assert page.url.endswith(f"/buildings/{places['building']}/roster")
    page.goto(f"{base}/areas/{places['building']}/tags")
    check_phone_page(page, "tags-building-zh", screens)
    page.goto(f"{base}/h/{places['blank']}")  # a blank tag: which room is this door?
    assert "这是哪一户的门" in page.content()
    check_phone_page(page, "bind-zh", screens)
    page.goto(f"{base}/h/{places['retired']}")  # a tag reported lost and reprinted
    assert "这张门牌码已停用" in page.content() and "楼栋长：" in page.inner_text("#contacts")
    check_phone_page(page, "tag-retired-zh", screens)
    context.close()


def test_a_lead_ticks_doors_and_downloads_their_labels_without_javascript(live_server, chromium, screens):
    """The choose page is a plain form: ticking and printing work before (or without) any script."""
    base = live_server.base
    places = demo_places(live_server)
    context = phone_context(chromium, java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    log_in(page, base, "lead")
    page.goto(f"{base}/buildings/{places['building']}/roster")
    page.click(f"a[href='/areas/{places['building']}/tags/choose']")
    for site_id in places["tick"]:
        page.click(f"#tick-{site_id}")  # the whole tile is the tap target
    assert page.locator("input[name=site]:checked").count() == 2
    page.evaluate("window.scrollTo(0, 0)")
    check_phone_page(page, "tags-choose-zh", screens)
    with page.expect_download() as download:
        page.click("button[value=zip]")
    names = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes())).namelist()
    assert len(names) == 2 and all(name.endswith(".png") for name in names)

    page.goto(f"{base}/areas/{places['building']}/tags/choose")
    page.click("button[value=pdf]")  # nothing ticked
    assert "请至少勾选一户" in page.inner_text("main")
    check_phone_page(page, "tags-choose-error-zh", screens)
    context.close()
