"""Reaching a door by the code printed under its QR: typed any way a person might type it."""

import pytest

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.sites.scan import normalise_code


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("abcd2345", "ABCD2345"),
        ("ABCD-2345", "ABCD2345"),
        (" ab cd 23 45 ", "ABCD2345"),
        ("ＡＢＣＤ２３４５", "ABCD2345"),
    ],
)
def test_typed_codes_are_normalised(typed, normalised):
    assert normalise_code(typed) == normalised


def typed_forms(code: str) -> list[str]:
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in code)
    return [code, code.lower(), f"{code[:4]}-{code[4:]}", f" {code[:4]} {code[4:]} ", full_width]


def test_a_typed_code_opens_its_door(world, browser):
    tag = world.a.sites[0].active_tag
    browser.login("a-volunteer")
    for typed in typed_forms(tag.short_code):
        response = browser.client.get("/code", query_string={"c": typed})
        assert response.status_code == 303, typed
        assert response.headers["Location"] == f"/h/{tag.token}"


def test_another_stations_code_or_an_unknown_one_leads_nowhere(world, browser):
    browser.login("a-volunteer")
    for code in (world.b.sites[0].active_tag.short_code, "ZZZZ9999"):
        response = browser.client.get("/code", query_string={"c": code})
        assert response.status_code == 404
        assert "没有找到这个门牌码" in response.text
        assert "/h/" not in response.text


def test_a_malformed_code_asks_for_the_printed_one(world, browser):
    browser.login("a-volunteer")
    for typed in ("", "ABC", "ABCD23456789", "ABCD-OOO1"):
        response = browser.client.get("/code", query_string={"c": typed})
        assert response.status_code == 422, typed
        assert "门牌码由 8 位字母和数字组成" in response.text


def test_a_retired_code_says_the_tag_is_retired(world, browser):
    tag = world.a.sites[0].active_tag
    tag.retired_at = utcnow()
    db.session.commit()
    browser.login("a-volunteer")
    response = browser.client.get("/code", query_string={"c": tag.short_code})
    assert response.status_code == 410
    assert "这张门牌码已停用" in response.text


def test_the_scan_page_works_without_javascript(world, browser, client):
    assert client.get("/scan").status_code == 302  # login first
    browser.login("a-volunteer")
    page = browser.client.get("/scan").text
    assert 'action="/code"' in page and 'method="get"' in page
