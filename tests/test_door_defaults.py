"""The door form counts nothing unless entered (issue 14): "talked, save" is a talk with no install, on the door
page, without JavaScript and on the offline page alike; installs above people reached are refused by the server."""

import re
import uuid

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Visit

COUNTS = ("people_reached", "app_installs", "realname_regs", "miniprogram_regs")


def rendered_counts(html: str) -> dict[str, str]:
    return {name: re.search(rf'<input[^>]*id="{name}"[^>]*value="(\d+)"', html).group(1) for name in COUNTS}


def form_as_sent(html: str, **choices) -> dict:
    """What a browser without JavaScript sends: the values the form came with, plus the volunteer's choices."""
    data = {name: value for name, value in rendered_counts(html).items()}
    data["client_uuid"] = re.search(r'name="client_uuid" type="hidden" value="([^"]+)"', html).group(1)
    return {**data, **choices}


def test_every_count_on_the_door_form_starts_at_zero(world, browser):
    browser.login("a-volunteer")
    page = browser.client.get(f"/h/{world.a.sites[0].active_tag.token}").text
    assert rendered_counts(page) == dict.fromkeys(COUNTS, "0")


def test_the_offline_form_starts_at_zero_too(client):
    assert rendered_counts(client.get("/offline").text) == dict.fromkeys(COUNTS, "0")


def test_talked_and_save_records_a_talk_without_installs(world, browser):
    site = world.a.sites[0]
    browser.login("a-volunteer")
    page = browser.client.get(f"/h/{site.active_tag.token}").text
    response = browser.post(f"/h/{site.active_tag.token}", form_as_sent(page, outcome="talked"))
    assert response.status_code == 303
    visit = db.session.scalar(select(Visit).where(Visit.site_id == site.id))
    assert (visit.outcome, visit.people_reached, visit.app_installs, visit.realname_regs) == ("talked", 0, 0, 0)


def test_an_install_typed_without_people_is_refused_with_a_reason(world, browser):
    """Without JavaScript nothing raises people reached along with installs: the server says why it refuses."""
    site = world.a.sites[0]
    browser.login("a-volunteer")
    page = browser.client.get(f"/h/{site.active_tag.token}").text
    response = browser.post(f"/h/{site.active_tag.token}", form_as_sent(page, outcome="talked", app_installs="1"))
    assert response.status_code == 422
    assert "不能多于宣传人数" in response.text
    assert db.session.scalar(select(Visit).where(Visit.site_id == site.id)) is None
    fixed = form_as_sent(page, outcome="talked", app_installs="1", people_reached="1", client_uuid=str(uuid.uuid4()))
    assert browser.post(f"/h/{site.active_tag.token}", fixed).status_code == 303
