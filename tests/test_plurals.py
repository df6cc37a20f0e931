"""English says "1 person", not "1 people"; Chinese has one form; the door and the product are named per language."""

import re
from pathlib import Path

from babel.messages.pofile import read_po
from flask_babel import force_locale

from fieldapp.areas.services import add_area
from fieldapp.banner import product_names
from fieldapp.extensions import db
from fieldapp.labels import PRODUCT_NAME
from fieldapp.models import Site, door_label
from fieldapp.tags.labels import labels_for
from fieldapp.tags.services import mint_tag
from tests.test_visits import door_url, visit_form

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "fieldapp/translations/zh/LC_MESSAGES/messages.po"
#: "1 people", "1 of 1 households", "1 visits on …": a count of one read with an English plural.
WRONG_PLURAL = re.compile(r"(?<![\d,.])1 (people|installs|visits|households|doors|buildings|residents|rooms|labels)\b")


def catalog():
    with open(PO, "rb") as po:
        return read_po(po)


def test_every_plural_message_has_its_one_chinese_form():
    messages = catalog()
    assert "nplurals=1" in messages.plural_forms
    plurals = [message for message in messages if message.id and message.pluralizable]
    assert len(plurals) >= 20
    for message in plurals:
        singular, plural = message.id
        assert message.string[0], singular
        # The Chinese form keeps every placeholder the English ones use (`%(num)d` is the count).
        assert set(re.findall(r"%\((\w+)\)", message.string[0])) == set(re.findall(r"%\((\w+)\)", plural)), plural


def test_the_door_label_follows_the_users_language_but_printed_tags_stay_chinese(app, world):
    app.config["BASE_URL"] = "https://fd.example.cn/"
    site = world.a.sites[0]
    with force_locale("en"):
        assert site.door_label == "Unit 1 · 101" == door_label("1", "101")
        assert door_label(None, "B12") == "B12"
        assert labels_for([site.active_tag])[0].door == "1单元 101"  # stuck on the door, for residents
    with force_locale("zh"):
        assert site.door_label == "1单元 101" == door_label("1", "101")
    assert door_label("2", "502", printed=True) == "2单元 502"


def test_the_product_has_one_name_per_language(client):
    assert catalog()[PRODUCT_NAME._args[0]].string == "反诈入户"
    assert product_names() == "反诈入户 (Door-to-door anti-fraud)"  # `make run`'s banner
    zh = client.get("/login").text
    assert "<title>登录 · 反诈入户</title>" in zh and zh.count("反诈入户") == 2 and "fieldapp<" not in zh
    assert client.get("/manifest.webmanifest").get_json()["name"] == "反诈入户"
    client.get("/lang/en")
    en = client.get("/login").text
    assert "<title>Log in · Door-to-door anti-fraud</title>" in en and en.count("Door-to-door anti-fraud") == 2
    assert "反诈入户" not in en
    assert client.get("/manifest.webmanifest").get_json()["short_name"] == "Door-to-door anti-fraud"


def one_of_everything(world):
    """A building with one household of one resident, visited once: one person, one install."""
    building = add_area(world.a.grid, "building", "2号楼", lat=30.0, lon=120.0)
    site = Site(building_id=building.id, unit="1", floor=7, room="701", residents=1, lat=30.0, lon=120.0)
    db.session.add(site)
    db.session.flush()
    mint_tag(building, site)
    db.session.commit()
    return building, site


def test_english_pages_say_one_person_one_install_one_household(world, browser, client):
    building, site = one_of_everything(world)
    client.get("/lang/en")
    browser.login("a-volunteer")
    recorded = browser.post(
        door_url(site), visit_form(people_reached="1", app_installs="1"), headers={"HX-Request": "true"}
    )
    assert recorded.status_code == 200
    assert "1 install" in recorded.text and "1 of 1 household covered" in recorded.text
    pages = {"recorded": recorded.text}
    for name, url in (("door", door_url(site)), ("today", "/today")):
        response = client.get(url)
        assert response.status_code == 200, url
        pages[name] = response.text
    assert "1 person" in pages["door"] and "1 resident" in pages["door"] and "Unit 1 · 701" in pages["door"]
    assert "1 of 1 household covered" in pages["today"]
    client.post("/logout", data={"csrf_token": browser.csrf()})
    browser.login("a-supervisor")
    for name, url in (
        ("building", f"/areas/{building.id}"),
        ("station", f"/areas/{world.a.area.id}"),
        ("unvisited", f"/areas/{building.id}/unvisited"),
        ("roster", f"/buildings/{building.id}/roster"),
        ("log", f"/log?area={building.id}"),
        ("weekly", f"/reports/weekly?area={building.id}"),
        ("tags", f"/areas/{building.id}/tags"),
        ("assignments", f"/areas/{world.a.area.id}/assignments"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        pages[name] = response.text
    assert "1 of 1 household" in pages["building"]
    assert "1 visit on" in pages["log"] and "1 person" in pages["log"]
    assert "1 resident" in pages["roster"] and "Unit 1 · 7F" in pages["roster"]
    assert "1 door has a tag; 0 have none yet." in pages["tags"] and "(PDF, 1 label)" in pages["tags"]
    for name, page in pages.items():
        assert not WRONG_PLURAL.search(page), (name, WRONG_PLURAL.search(page).group(0))


def test_chinese_pages_keep_their_one_form(world, browser, client):
    _building, site = one_of_everything(world)
    browser.login("a-volunteer")
    recorded = browser.post(
        door_url(site), visit_form(people_reached="1", app_installs="1"), headers={"HX-Request": "true"}
    )
    assert "1单元 701" in recorded.text and "安装 1" in recorded.text and "已入户 1 / 1 户" in recorded.text
    assert "已入户 1 / 1 户" in client.get("/today").text
