"""Reaching a household: the scan page, and the short code typed when the camera cannot be used."""

import re

import pytest
from sqlalchemy import func, select

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import Tag, Visit
from fieldapp.sites.scan import normalise_code
from fieldapp.tags.services import mint_tag

NOT_FOUND = "没有找到这个门牌码，或不在您的辖区内"


def full_width(text: str) -> str:
    """What a Chinese input method in full-width mode types: ＡＢＣＤ　２３４５."""
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("ABCD2345", "ABCD2345"),
        ("abcd2345", "ABCD2345"),
        ("  abcd 2345 ", "ABCD2345"),
        ("ABCD-2345", "ABCD2345"),
        ("ab-cd 23–45", "ABCD2345"),
        ("ＡＢＣＤ－２３４５", "ABCD2345"),
        ("ａｂｃｄ\u3000２３４５", "ABCD2345"),
        ("\t\n", ""),
        ("", ""),
    ],
)
def test_a_typed_code_is_normalised(typed, code):
    assert normalise_code(typed) == code


# --- integration: both databases ---------------------------------------------------------


def test_the_scan_page_has_the_scanner_and_a_code_form_that_works_without_javascript(world, browser):
    browser.login("a-volunteer")
    response = browser.client.get("/scan")
    assert response.status_code == 200
    page = response.text
    assert "扫门牌码" in page
    assert 'action="/code"' in page and 'method="get"' in page and 'name="c"' in page
    assert 'id="scanner" hidden' in page  # shown by scan.js only
    assert "/static/js/scan.js" in page
    # The decoder is loaded by scan.js only when the browser has no BarcodeDetector, never by the page.
    assert 'data-jsqr="/static/vendor/jsQR.js?v=' in page
    assert '<script src="/static/vendor/jsQR.js"' not in page
    assert "这不是本系统的门牌码" in page  # the scanner's messages come translated from the server


@pytest.mark.parametrize("variant", [str.lower, lambda code: f" {code[:4]} - {code[4:]} ", full_width])
def test_a_typed_code_opens_its_door(world, browser, variant):
    tag = world.a.sites[1].active_tag
    browser.login("a-volunteer")
    response = browser.client.get("/code", query_string={"c": variant(tag.short_code)})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/h/{tag.token}"
    assert world.a.sites[1].door_label in browser.client.get(response.headers["Location"]).text


def test_a_lead_opens_a_door_of_their_community_by_code(world, browser):
    tag = world.a.sites[0].active_tag
    browser.login("a-lead")
    response = browser.client.get(f"/code?c={tag.short_code}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/h/{tag.token}"


def test_another_stations_code_looks_unknown_and_leads_nowhere(world, browser):
    tag = world.b.sites[0].active_tag
    browser.login("a-volunteer")
    response = browser.client.get(f"/code?c={tag.short_code}")
    assert response.status_code == 404
    assert "Location" not in response.headers
    assert NOT_FOUND in response.text
    assert "乙派出所" not in response.text and tag.token not in response.text
    assert 'name="c"' in response.text  # the scan page again, to try another code
    assert 'aria-invalid="true"' in response.text


def test_an_unknown_code_is_a_404_on_the_scan_page(world, browser):
    browser.login("a-volunteer")
    response = browser.client.get("/code?c=ZZZZ-ZZZZ")
    assert response.status_code == 404
    assert NOT_FOUND in response.text
    assert 'value="ZZZZ-ZZZZ"' in response.text  # what was typed stays, to correct it


def test_a_blank_tag_not_yet_on_a_door_opens_nothing(world, browser):
    blank = mint_tag(world.a.building)
    db.session.commit()
    browser.login("a-volunteer")
    response = browser.client.get(f"/code?c={blank.short_code}")
    assert response.status_code == 404
    assert NOT_FOUND in response.text


def test_a_retired_code_says_so(world, browser):
    tag = world.a.sites[0].active_tag
    tag.retired_at = utcnow()
    db.session.commit()
    browser.login("a-volunteer")
    response = browser.client.get(f"/code?c={tag.short_code.lower()}")
    assert response.status_code == 410
    assert "这张门牌码已停用" in response.text
    assert tag.token not in response.text


def test_a_retired_code_of_another_station_is_still_only_a_404(world, browser):
    tag = world.b.sites[0].active_tag
    tag.retired_at = utcnow()
    db.session.commit()
    browser.login("a-volunteer")
    response = browser.client.get(f"/code?c={tag.short_code}")
    assert response.status_code == 404
    assert "这张门牌码已停用" not in response.text


@pytest.mark.parametrize("typed", ["", "   ", "－ －", None])
def test_an_empty_code_asks_for_one(world, browser, typed):
    browser.login("a-volunteer")
    response = browser.client.get("/code", query_string={} if typed is None else {"c": typed})
    assert response.status_code == 422
    assert "请输入二维码下方印的门牌码" in response.text


@pytest.mark.parametrize("typed", ["ABCD2345ABCD2", "x" * 65, "A" * 5000], ids=["13 chars", "65 chars", "5000 chars"])
def test_an_over_long_code_is_refused(world, browser, typed):
    browser.login("a-volunteer")
    response = browser.client.get("/code", query_string={"c": typed})
    assert response.status_code == 422
    assert "门牌码是 8 位字母和数字" in response.text
    echoed = re.search(r'name="c" value="([^"]*)"', response.text).group(1)
    assert echoed == typed[:64]  # what was typed comes back in the field, 64 characters at most


def test_looking_up_codes_changes_nothing(world, browser):
    tags_before = db.session.scalar(select(func.count(Tag.id)))
    browser.login("a-volunteer")
    for code in (world.a.sites[0].active_tag.short_code, world.b.sites[0].active_tag.short_code, "NOPE", ""):
        browser.client.get("/code", query_string={"c": code})
    assert db.session.scalar(select(func.count(Tag.id))) == tags_before
    assert db.session.scalar(select(func.count(Visit.id))) == 0


def test_the_messages_come_in_english_too(world, browser):
    browser.login("a-volunteer")
    browser.client.set_cookie("lang", "en")
    assert "Scan a door tag" in browser.client.get("/scan").text
    response = browser.client.get("/code?c=ZZZZZZZZ")
    assert "No door tag has this code, or it is not in your area." in response.text


@pytest.mark.parametrize("url", ["/scan", "/code?c=ABCD2345"])
def test_scanning_needs_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
