"""In Chromium without JavaScript: a roster file with a column the app does not know, mapped by hand on the preview
with a plain form, at a phone's size and a desk's, in Chinese and English."""

import pytest

from tests.browser.conftest import PHONE, log_in, phone_context
from tests.browser.test_roster_pages import check_phone_page

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 800}
#: A grid worker's file: a title row, no station or community (the lead's own), "户室" for the room.
ROSTER = (
    "东门社区住户名册（2024年5月）,,,,\n"
    "网格,楼栋,户室,人数,备用\n"
    "东门一网格,映射楼,101,3,王师傅\n"
    ",,102,2,\n"
    ",,103,1,\n"
    "合计,,,6,\n"
)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", ["phone", "desk"])
def test_a_column_is_mapped_by_hand_without_javascript(live_server, chromium, screens, lang, size):
    base = live_server.base
    viewport = PHONE if size == "phone" else DESK
    if size == "phone":
        context = phone_context(chromium, java_script_enabled=False)
    else:
        context = chromium.new_context(viewport=viewport, java_script_enabled=False)
    context.add_cookies([{"name": "lang", "value": lang, "url": base}])
    page = context.new_page()
    log_in(page, base, "lead")
    page.goto(f"{base}/imports")
    page.set_input_files("#file", files=[{"name": "东门.csv", "mimeType": "text/csv", "buffer": ROSTER.encode()}])
    page.click("main button[type=submit]")
    assert page.locator("#missing").count() == 1  # 房号 has no column: the rows wait for it
    assert page.locator("#confirm").count() == 0
    shoot(page, f"import-unmapped-{lang}-{viewport['width']}x{viewport['height']}", size, screens)
    room_select = page.locator("tr", has=page.locator("strong", has_text="户室")).locator("select")
    room_select.select_option("room")
    page.click("#columns button[type=submit]")  # a plain form POST: no script runs
    assert page.locator("#missing").count() == 0
    assert page.locator("#to-add strong").inner_text() == "3"
    assert page.locator("#confirm button").count() == 1
    chosen = page.locator("tr.source-chosen", has=page.locator("strong", has_text="户室")).inner_text()
    assert ("您刚选的" if lang == "zh" else "chosen by you") in chosen
    accounted = page.inner_text("#accounted")
    merged = "2 行的派出所/社区沿用了上一行" if lang == "zh" else "2 rows took 派出所/社区 from the row above"
    assert merged in accounted
    shoot(page, f"import-mapped-{lang}-{viewport['width']}x{viewport['height']}", size, screens)
    context.close()


def shoot(page, name: str, size: str, screens) -> None:
    """No sideways scroll; at a phone's size every tap target 44 px tall too."""
    if size == "phone":
        check_phone_page(page, name, screens)
    else:
        assert page.evaluate("document.documentElement.scrollWidth") <= DESK["width"], name
        page.screenshot(path=screens / f"{name}.png", full_page=True)
