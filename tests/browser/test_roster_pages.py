"""In a phone-sized Chromium: the building lead's roster, import, door tags and the blank-tag bind page.

Screenshots at 390×844 land in test-artifacts/screens/; every page must fit without sideways
scrolling and keep its tap targets at least 44 px tall.
"""

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Area, Site
from fieldapp.sites.services import mint_tag
from tests.browser.conftest import PHONE, log_in, phone_context

pytestmark = pytest.mark.browser

SMALL_TARGETS = """() => [...document.querySelectorAll(
    'main a, main button, main select, main input:not([type=hidden])')]
  .filter(e => e.offsetParent && e.getBoundingClientRect().height < 44)
  .map(e => (e.textContent || e.name).trim().slice(0, 20))"""


def check_phone_page(page, name: str, screens):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    assert page.evaluate(SMALL_TARGETS) == [], name
    page.screenshot(path=screens / f"{name}.png", full_page=True)


def demo_places(live_server) -> dict:
    with live_server.app.app_context():
        grid = db.session.scalar(select(Area).where(Area.name == "东门一网格"))
        building = db.session.scalar(select(Area).where(Area.parent_id == grid.id).order_by(Area.name))
        site = db.session.scalar(select(Site).where(Site.building_id == building.id).order_by(Site.id))
        blank = mint_tag(grid)
        db.session.commit()
        return {"grid": grid.id, "building": building.id, "site": site.id, "blank": blank.token}


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

    page.goto(f"{base}/areas/{places['grid']}/tags")
    check_phone_page(page, "tags-zh", screens)
    page.goto(f"{base}/h/{places['blank']}")  # a blank tag: which room is this door?
    assert "这是哪一户的门" in page.content()
    check_phone_page(page, "bind-zh", screens)
    context.close()
