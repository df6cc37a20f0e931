"""The in-page scanner in Chromium, fed a fake camera that shows one of our own door-tag QR codes."""

import re

import pytest
import qrcode
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, log_in
from tests.browser.test_door_to_station import record_talk_with_one_install

pytestmark = pytest.mark.browser

WIDTH, HEIGHT, FRAMES = 640, 480, 20


def write_y4m(path, text: str) -> None:
    """A Y4M video (what Chromium's fake camera plays) of a QR code, big and centred on white."""
    code = qrcode.make(text, box_size=8, border=4).convert("L")
    side = min(HEIGHT - 40, code.size[0])
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(code.resize((side, side), Image.NEAREST), ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(FRAMES):
            video.write(b"FRAME\n" + luma + chroma + chroma)


def camera_browser(playwright_instance, video_path):
    return playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video_path}",
        ],
    )


def test_scanning_our_tag_opens_the_door(live_server, playwright_instance, tmp_path, screens):
    door = live_server.uncovered_households("城关派出所", 8)[7]
    video = tmp_path / "tag.y4m"
    write_y4m(video, f"{live_server.base}/h/{door['token']}")
    browser = camera_browser(playwright_instance, video)
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", permissions=["camera"]
    )
    page = context.new_page()
    log_in(page, live_server.base)
    page.goto(f"{live_server.base}/scan")
    page.wait_for_url(re.compile(f"/h/{door['token']}$"), timeout=20_000)
    assert door["label"] in page.locator("h1").inner_text()
    assert record_talk_with_one_install(page) == 3  # and then the same three taps as from a door URL
    assert "入户记录已保存" in page.locator("#visit-panel").inner_text()
    browser.close()


def test_a_foreign_qr_code_is_named_as_not_ours(live_server, playwright_instance, tmp_path, screens):
    video = tmp_path / "foreign.y4m"
    write_y4m(video, "https://example.com/x")
    browser = camera_browser(playwright_instance, video)
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", permissions=["camera"]
    )
    page = context.new_page()
    log_in(page, live_server.base)
    page.goto(f"{live_server.base}/scan")
    expect(page.locator(".scan-status")).to_contain_text("这不是本系统的门牌码", timeout=20_000)
    engine = page.locator("#scanner").get_attribute("data-decoder")
    assert engine in ("jsqr", "barcodedetector")
    page.screenshot(path=screens / "scan-zh.png")
    page.goto(f"{live_server.base}/lang/en?next=/scan")
    expect(page.locator(".scan-status")).to_contain_text("not a door tag", timeout=20_000)
    page.screenshot(path=screens / "scan-en.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    print("decoder used:", engine)
    browser.close()
