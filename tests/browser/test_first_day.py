"""Issue 14's "done means": a real district's first day, from an empty database to a volunteer's first visit
counted against the station's target, in a real Chromium, on SQLite and on PostgreSQL. No demo data anywhere.

An operator runs `flask init-district`; the admin adds a station on its page, brings its grid and buildings
in with a roster import, makes a team, imports its leader and three volunteers (which prints their login
cards), gives the grid to the team, sets the station's install target and makes the door tags; a volunteer
scans their card, changes the one-time code for a password of their own, knocks on a door, and the station
page shows the visit against the target.
"""

import subprocess
import threading
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.serving import make_server

from fieldapp import create_app
from fieldapp.admin import cards as cards_routes
from fieldapp.extensions import db
from fieldapp.models import Area, Team, User, Visit
from fieldapp.visits.clock import local_today
from tests.browser.conftest import buffered, phone_context
from tests.conftest import app_config
from tests.test_tags import decoder

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
ADMIN_PASSWORD = "jiangcheng-admin-2027"
VOLUNTEER_PASSWORD = "my-own-password-9"

ROSTER = "派出所,社区,网格,楼栋,单元,楼层,房号,人数\n" + "".join(
    f"城关派出所,东门社区,东门一网格,{building}号楼,1,{floor},{floor}0{door},3\n"
    for building in (1, 2)
    for floor in (1, 2)
    for door in (1, 2)
)
ACCOUNTS = (
    "姓名,用户名,角色,队伍,队内角色,辖区,电话\n"
    "王警官,wang,志愿者,城关一队,队长,城关派出所,13800001111\n"
    "李一,li1,志愿者,城关一队,志愿者,城关派出所,\n"
    "李二,li2,志愿者,城关一队,志愿者,城关派出所,\n"
    "李三,li3,志愿者,城关一队,志愿者,城关派出所,\n"
)


@pytest.fixture
def empty_server(database_uri, monkeypatch):
    """An empty, migrated database (no demo) served over HTTP, and the login cards as they are printed."""
    app = create_app({**app_config(database_uri), "RATELIMIT_ENABLED": True})
    server = make_server("127.0.0.1", 0, buffered(app), threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base  # what the login cards' QR codes open
    printed = []
    real = cards_routes.cards_pdf

    def spy(cards):  # the one-time codes are pixels in the PDF; this is how the test reads them
        printed.append(cards)
        return real(cards)

    monkeypatch.setattr(cards_routes, "cards_pdf", spy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, base, printed
    server.shutdown()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def shot(page, screens, name):
    page.screenshot(path=screens / f"first-day-{name}.png", full_page=True)


def submit(page, form_selector="main form"):
    page.locator(f"{form_selector} button[type=submit]").last.click()
    page.wait_for_load_state()


def test_a_district_goes_from_an_empty_database_to_its_first_counted_visit(
    empty_server, chromium, screens, tmp_path, request
):
    app, base, printed = empty_server
    database = request.node.callspec.params["database_uri"]

    # 1. The operator's first run: the district and its first admin, with a password they choose.
    with app.app_context():
        result = app.test_cli_runner().invoke(
            args=[
                "init-district",
                "--name",
                "江城区",
                "--station",
                "江北派出所",
                "--admin",
                "zhao",
                "--admin-name",
                "赵主任",
            ],
            input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n",
        )
    assert result.exit_code == 0, result.output
    with app.app_context():
        district_id = db.session.scalar(select(Area.id).where(Area.parent_id.is_(None)))

    office = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    admin = office.new_page()
    admin.goto(f"{base}/login")
    admin.fill("#username", "zhao")
    admin.fill("#password", ADMIN_PASSWORD)
    submit(admin)

    # 2. The admin adds the station on the district's page, and its community on the station's.
    admin.goto(f"{base}/areas/{district_id}/new")
    admin.select_option("#level", "station")
    admin.fill("#name", "城关派出所")
    submit(admin)
    assert "城关派出所" in admin.content()
    with app.app_context():
        new_station_id = db.session.scalar(select(Area.id).where(Area.name == "城关派出所"))
    admin.goto(f"{base}/areas/{new_station_id}/new")
    admin.select_option("#level", "community")
    admin.fill("#name", "东门社区")
    submit(admin)

    # 3. The community's grid and 2 buildings of 4 doors each come in with a roster import.
    roster = tmp_path / "roster.csv"
    roster.write_bytes(ROSTER.encode("utf-8-sig"))
    admin.goto(f"{base}/imports")
    admin.set_input_files("#file", str(roster))
    submit(admin)
    shot(admin, screens, f"roster-preview-{database}")
    submit(admin, "form[action*='/imports/']")
    with app.app_context():
        station = db.session.scalar(select(Area).where(Area.name == "城关派出所"))
        grid = db.session.scalar(select(Area).where(Area.name == "东门一网格"))
        station_id, grid_id = station.id, grid.id
        assert station.resident_households == 8

    # 4. A team, then its leader and 3 volunteers by account import, which prints their login cards.
    admin.goto(f"{base}/teams")
    admin.fill("#name", "城关一队")
    admin.select_option("#area_id", str(station_id))
    submit(admin)
    accounts = tmp_path / "accounts.csv"
    accounts.write_bytes(ACCOUNTS.encode("utf-8-sig"))
    admin.goto(f"{base}/admin/accounts/import")
    admin.set_input_files("#file", str(accounts))
    submit(admin)
    shot(admin, screens, f"accounts-preview-{database}")
    with admin.expect_download() as download:
        admin.locator("#confirm button[type=submit]").click()
    pdf = tmp_path / "cards.pdf"
    download.value.save_as(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf), str(tmp_path / "cards")], check=True)  # noqa: S603,S607
    (page_png,) = sorted(tmp_path.glob("cards-*.png"))
    decoded = sorted(code.data.decode() for code in decoder().decode(Image.open(page_png)))
    assert decoded == sorted(f"{base}/login?username={name}" for name in ("wang", "li1", "li2", "li3"))
    (cards,) = printed
    card = next(card for card in cards if card.username == "li1")
    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.name == "城关一队"))
        assert sorted(member.username for member in team.members) == ["li1", "li2", "li3", "wang"]
        team_id = team.id

    # 5. The campaign opens; the grid goes to the team, and the station gets its install target.
    with app.app_context():
        today = local_today()
    admin.goto(f"{base}/campaigns/new")
    admin.fill("#name", "春季反诈入户")
    admin.fill("#starts_on", (today - timedelta(days=1)).isoformat())
    admin.fill("#ends_on", (today + timedelta(days=90)).isoformat())
    admin.fill("#first_round_by", (today + timedelta(days=30)).isoformat())
    submit(admin)
    shot(admin, screens, f"campaigns-{database}")
    admin.goto(f"{base}/areas/{station_id}/assignments")
    admin.check(f"input[name=area][value='{grid_id}']")
    admin.select_option("#team_id", str(team_id))
    admin.click("button[name=assign], input[name=assign]")
    admin.wait_for_load_state()
    shot(admin, screens, f"assignments-{database}")
    with app.app_context():
        assert [area.name for area in db.session.get(Team, team_id).assigned_areas] == ["东门一网格"]
    admin.goto(f"{base}/areas/{station_id}/targets")
    admin.fill("#app_installs", "10")
    submit(admin, f"form[action$='/areas/{station_id}/targets']")

    # 6. The door tags of the grid are made (and would be printed and stuck on the doors).
    admin.goto(f"{base}/areas/{grid_id}/tags")
    submit(admin, f"form[action$='/areas/{grid_id}/tags/mint']")

    # 7. A volunteer scans their card, logs in with its code, and must choose a password first.
    phone = phone_context(chromium).new_page()
    phone.goto(next(url for url in decoded if url.endswith("=li1")))
    assert phone.input_value("#username") == "li1"
    phone.fill("#password", card.code)
    submit(phone)
    assert "/account/password" in phone.url
    shot(phone, screens, f"change-password-{database}")
    phone.fill("#current_password", card.code)
    phone.fill("#new_password", VOLUNTEER_PASSWORD)
    phone.fill("#new_password_again", VOLUNTEER_PASSWORD)
    submit(phone)
    # The form's answer redirects away: wait for it, or going on to Today first cancels the change (seen under load).
    phone.wait_for_url(lambda url: "/account/password" not in url)

    # 8. Today lists the team's buildings; the volunteer opens one, picks a door, records a talk and an install.
    phone.goto(f"{base}/today")
    shot(phone, screens, f"today-{database}")
    phone.locator("main a", has_text="1号楼").first.click()
    phone.locator(".rooms a").first.click()
    phone.locator("label.choice-talked").tap()
    phone.locator('button.step[data-for="app_installs"][data-step="1"]').tap()
    phone.locator("#visit-panel button[type=submit]").tap()
    phone.wait_for_selector("#visit-panel.done")
    with app.app_context():
        visit = db.session.scalar(select(Visit))
        assert (visit.user.username, visit.app_installs, visit.outcome) == ("li1", 1, "talked")

    # 9. The station page shows the visit against the target: 1 of 10 installs, 10%.
    admin.goto(f"{base}/areas/{station_id}")
    shot(admin, screens, f"station-{database}")
    assert admin.locator("#installs strong").inner_text() == "1"
    assert "完成任务 10.0%（任务 10）" in admin.locator("#installs").inner_text()
    with app.app_context():
        assert db.session.scalar(select(User.password_is_temporary).where(User.username == "li1")) is False
