"""Accounts in bulk and login cards: an admin imports a station's people from a spreadsheet, prints their cards,
and each card's QR and one-time code get its holder in (and on to choosing their own password)."""

import html
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from PIL import Image
from sqlalchemy import func, select

from fieldapp.admin import cards as cards_routes
from fieldapp.admin.services import create_user
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, TeamMembership, User
from tests.conftest import csrf_from
from tests.factories import PASSWORD
from tests.test_tags import decoder

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "cards"
HEADER = "姓名,用户名,角色,队伍,辖区,电话\n"


@pytest.fixture(autouse=True)
def base_url(request):
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["BASE_URL"] = "https://fz.example.cn"


@pytest.fixture
def printed(monkeypatch):
    """The cards each PDF was drawn from (the codes are pixels in the PDF; this is how a test reads them)."""
    seen = []
    real = cards_routes.cards_pdf

    def spy(cards):
        seen.append(cards)
        return real(cards)

    monkeypatch.setattr(cards_routes, "cards_pdf", spy)
    return seen


def upload(browser, content: bytes | str, filename: str = "accounts.csv"):
    data = content.encode("utf-8-sig") if isinstance(content, str) else content
    page = browser.client.get("/admin/accounts/import")
    assert page.status_code == 200
    return browser.client.post(
        "/admin/accounts/import",
        data={"csrf_token": csrf_from(page.text), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def confirm(browser, preview):
    """Press the preview's button: post back the rows it holds."""
    page = preview.text
    rows = page.split('name="rows" value="', 1)[1].split('"', 1)[0]
    return browser.client.post(
        "/admin/accounts/import/confirm",
        data={"csrf_token": csrf_from(page), "rows": html.unescape(rows), "filename": "accounts.csv"},
    )


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id)))


STATION_FILE = (
    HEADER + "陈队长,chen-lead,负责人,,甲派出所,138 0000 1111\n"
    "刘一,liuyi,志愿者,甲派出所一队,甲派出所社区,13800002222\n"
    "赵二,,volunteer,甲派出所一队,甲派出所社区/甲派出所一网格,\n"
    "孙三,,楼栋长,,甲派出所/1号楼,\n"
)


@pytest.mark.parametrize("database_uri", ["sqlite"], indirect=True)  # drawing and decoding; once is enough
def test_an_admin_imports_a_station_and_each_card_gets_its_holder_in(app, world, browser, printed, tmp_path):
    pyzbar = decoder()
    browser.login("district-admin")
    preview = upload(browser, STATION_FILE)
    assert preview.status_code == 200, preview.text
    assert "v1001" in preview.text and "v1002" in preview.text  # made up for the rows without a username
    before = count_users()

    response = confirm(browser, preview)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert count_users() == before + 4
    pdf = tmp_path / "cards.pdf"
    pdf.write_bytes(response.data)
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf), str(tmp_path / "page")], check=True)  # noqa: S603,S607
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pages[0], ARTIFACTS / "login-cards-page1.png")
    decoded = sorted(code.data.decode() for code in pyzbar.decode(Image.open(pages[0])))
    usernames = ["chen-lead", "liuyi", "v1001", "v1002"]
    assert decoded == sorted(f"https://fz.example.cn/login?username={name}" for name in usernames)

    (cards,) = printed
    assert sorted(card.username for card in cards) == usernames
    zhao = next(card for card in cards if card.name == "赵二")
    assert zhao.username == "v1001" and zhao.team == "甲派出所一队 · 志愿者" and "甲派出所一网格" in zhao.area
    user = db.session.scalar(select(User).where(User.username == "v1001"))
    assert user.area.name == "甲派出所一网格" and user.role == "volunteer" and user.password_hash
    assert db.session.scalar(select(User.phone).where(User.username == "chen-lead")) == "13800001111"
    actions = ["users.import", "login_cards.download"]
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.in_(actions)))
    assert sorted(events) == sorted(actions)  # one for the import, one for the download
    assert not any(card.code in str(event.after) for event in db.session.scalars(select(AuditEvent)) for card in cards)

    # A volunteer scans the card: the login page names them; the code logs them in, once, to choose a password.
    phone = app.test_client()
    login_page = phone.get(decoded[2].removeprefix("https://fz.example.cn"))  # v1001's
    assert 'value="v1001"' in login_page.text
    data = {"username": "v1001", "password": zhao.code, "csrf_token": csrf_from(login_page.text)}
    assert phone.post("/login", data=data).status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(User.password_is_temporary).where(User.username == "v1001")) is True
    assert phone.get("/account/password").status_code == 200


def test_every_row_in_error_is_listed_with_its_reason_and_nothing_is_created(world, browser):
    browser.login("district-admin")
    before = count_users()
    bad = (
        HEADER + "甲,same,志愿者,,甲派出所,\n"
        "乙,same,志愿者,,甲派出所,\n"  # duplicate in the file
        "丙,a-volunteer,志愿者,,甲派出所,\n"  # taken in the database
        "丁,ding,警长,,甲派出所,\n"  # unknown role
        "戊,wu,志愿者,,火星社区,\n"  # unknown area
        "己,ji,志愿者,,1号楼,\n"  # both stations have a 1号楼
        "庚,geng,志愿者,不存在的队,甲派出所,\n"  # unknown team
        "辛,xin,志愿者,乙派出所一队,甲派出所,\n"  # a team of another station
        "壬,ren,志愿者,,甲派出所,call-me\n"  # not a phone
        "癸,ok-row,志愿者,,甲派出所,\n"
    )
    preview = upload(browser, bad)
    assert preview.status_code == 422
    text = preview.text
    assert 'name="rows"' not in text  # no confirmation offered
    in_error = re.findall(r"<strong>第 (\d+) 行</strong>", text)
    assert in_error == [str(line) for line in range(3, 11)]  # lines 2 and 11 are fine
    assert "same" in text and "a-volunteer" in text and "警长" in text and "火星社区" in text
    assert "甲派出所 / 甲派出所社区 / 甲派出所一网格 / 1号楼" in text  # the ambiguous name's places, to choose from
    assert count_users() == before


def test_the_confirmation_checks_again_and_creates_all_or_none(world, browser):
    browser.login("district-admin")
    preview = upload(browser, HEADER + "一,one,志愿者,,甲派出所,\n二,two,志愿者,,甲派出所,\n")
    assert preview.status_code == 200
    create_user("two", PASSWORD, "抢先", "volunteer", world.a.area)  # another admin, meanwhile
    db.session.commit()
    before = count_users()
    response = confirm(browser, preview)
    assert response.status_code == 422 and "two" in response.text
    assert count_users() == before
    assert db.session.scalar(select(User).where(User.username == "one")) is None


def test_an_excel_file_in_the_template_imports(world, browser, printed):
    browser.login("district-admin")
    template = browser.client.get("/admin/accounts/import/template.xlsx")
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.data))
    assert [cell.value for cell in book.active[1]] == ["姓名", "用户名", "角色", "队伍", "队内角色", "辖区", "电话"]
    assert browser.client.get("/admin/accounts/import/template.csv").data.startswith(b"\xef\xbb\xbf")
    out = Workbook()
    out.active.append(["姓名", "角色", "辖区"])
    out.active.append(["周四", "志愿者", "乙派出所"])
    data = io.BytesIO()
    out.save(data)
    preview = upload(browser, data.getvalue(), "people.xlsx")
    assert preview.status_code == 200 and "v1001" in preview.text
    assert confirm(browser, preview).mimetype == "application/pdf"
    assert db.session.scalar(select(User).where(User.username == "v1001")).area.name == "乙派出所"


def test_an_admin_reprints_chosen_cards_which_replaces_their_passwords(world, app, browser, printed):
    browser.login("district-admin")
    page = browser.client.get("/admin/cards")
    assert page.status_code == 200 and "a-volunteer" in page.text
    assert f'value="{world.admin.id}"' not in page.text  # never one's own card, nor a working admin's
    ids = [world.a.volunteer.id, world.b.lead.id]
    response = browser.client.post("/admin/cards", data={"csrf_token": csrf_from(page.text), "user_id": ids})
    assert response.mimetype == "application/pdf" and response.headers["Cache-Control"] == "no-store"
    (cards,) = printed
    assert {card.username for card in cards} == {"a-volunteer", "b-lead"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login_cards.download"))
    assert event.after["reason"] == "reprint" and sorted(event.after["usernames"]) == ["a-volunteer", "b-lead"]
    phone = app.test_client()
    login_page = phone.get("/login")
    old = {"username": "a-volunteer", "password": PASSWORD, "csrf_token": csrf_from(login_page.text)}
    assert phone.post("/login", data=old).status_code == 422  # the old password is gone
    code = next(card.code for card in cards if card.username == "a-volunteer")
    assert phone.post("/login", data={**old, "password": code}).status_code == 303


def test_cards_are_refused_for_another_admin_and_for_accounts_outside_my_area(world, browser):
    other = create_user("other-admin", PASSWORD, "另一位管理员", "admin", world.district)
    other.password_is_temporary = False
    create_user("station-admin", PASSWORD, "甲所管理员", "admin", world.a.area)
    db.session.commit()
    browser.login("district-admin")
    csrf = csrf_from(browser.client.get("/admin/cards").text)
    assert browser.client.post("/admin/cards", data={"csrf_token": csrf, "user_id": [other.id]}).status_code == 403
    browser.client.post("/logout", data={"csrf_token": csrf})
    browser.login("station-admin")
    csrf = csrf_from(browser.client.get("/admin/cards").text)
    outside = world.b.volunteer.id
    assert browser.client.post("/admin/cards", data={"csrf_token": csrf, "user_id": [outside]}).status_code == 404
    nothing = browser.client.post("/admin/cards", data={"csrf_token": csrf})
    assert nothing.status_code == 303


@pytest.mark.parametrize("username", ["a-supervisor", "a-lead", "a-volunteer"])
def test_only_admins_import_accounts_or_print_cards(world, browser, username):
    browser.login(username)
    for url in ("/admin/accounts/import", "/admin/accounts/import/template.csv", "/admin/cards"):
        assert browser.client.get(url).status_code == 403
    assert browser.post("/admin/cards", {"user_id": [world.a.volunteer.id]}).status_code == 403


def test_the_login_page_fills_in_the_username_only(world, client):
    page = client.get('/login?username="><script>x</script>')
    assert "<script>x" not in page.text
    assert 'value="v1001"' in client.get("/login?username=v1001").text


def test_a_file_of_more_accounts_than_one_request_can_create_is_refused_whole(world, browser):
    from fieldapp.limits import ACCOUNTS_IMPORT_ROWS_MAX

    browser.login("district-admin")
    rows = "".join(f"人{n},,志愿者,,甲派出所,\n" for n in range(ACCOUNTS_IMPORT_ROWS_MAX + 1))
    response = upload(browser, HEADER + rows)
    assert response.status_code == 422
    assert str(ACCOUNTS_IMPORT_ROWS_MAX) in response.text and 'name="rows"' not in response.text


# --- teams and parts in a team (团队, 队内角色) ------------------------------------------------------------------

TEAM_HEADER = "姓名,用户名,角色,团队,队内角色,辖区\n"


def parts_in(team) -> dict[str, str]:
    """username: part, of the team's members now."""
    rows = db.session.execute(
        select(User.username, TeamMembership.role)
        .join(TeamMembership, TeamMembership.user_id == User.id)
        .where(TeamMembership.team_id == team.id, TeamMembership.ended_at.is_(None))
    )
    return dict(rows.all())


def test_a_leader_and_three_volunteers_land_in_their_team_with_their_parts(world, browser, printed):
    browser.login("district-admin")
    team = world.a.team
    file = (
        TEAM_HEADER + "王警官,wangjing,民警,甲派出所一队,队长,甲派出所\n"
        "志一,zhiyi,志愿者,甲派出所一队,志愿者,甲派出所社区\n"
        "志二,zhier,志愿者,甲派出所一队,,甲派出所社区\n"
        "志三,zhisan,志愿者,甲派出所一队,volunteer,甲派出所\n"
    )
    preview = upload(browser, file)
    assert preview.status_code == 200, preview.text
    assert "队长（民警/辅警）" in preview.text  # the part shown beside the team in the preview
    assert confirm(browser, preview).mimetype == "application/pdf"
    assert parts_in(team) == {
        "a-volunteer": "volunteer",
        "wangjing": "leader",
        "zhiyi": "volunteer",
        "zhier": "volunteer",
        "zhisan": "volunteer",
    }
    assert all(user.team_id == team.id for user in db.session.scalars(select(User).where(User.username.like("zh%"))))
    (cards,) = printed  # each card names the team and the part
    assert {card.username: card.team for card in cards}["wangjing"] == "甲派出所一队 · 队长（民警/辅警）"
    assert {card.username: card.team for card in cards}["zhier"] == "甲派出所一队 · 志愿者"


def test_english_headers_and_a_grid_worker(world, browser, printed):
    browser.login("district-admin")
    file = "name,username,role,team,part,area\nGrid One,gridone,网格员,甲派出所一队,grid worker,甲派出所\n"
    preview = upload(browser, file)
    assert preview.status_code == 200, preview.text
    confirm(browser, preview)
    assert parts_in(world.a.team)["gridone"] == "grid_worker"


@pytest.mark.parametrize(
    ("rows", "why"),
    [
        ("甲,jia,民警,不存在的队,队长,甲派出所\n", "不存在的队"),  # unknown team
        ("甲,jia,民警,乙派出所一队,队长,乙派出所\n", "乙派出所一队"),  # a team outside the importer's area
        ("甲,jia,民警,甲派出所一队,队长,甲派出所\n乙,yi,辅警,甲派出所一队,辅警,甲派出所\n", "第 3 行已是"),
        ("甲,jia,志愿者,,网格员,甲派出所\n", "网格员"),  # a part without a team
        ("甲,jia,志愿者,甲派出所一队,所长,甲派出所\n", "所长"),  # an unknown part
    ],
    ids=["unknown-team", "outside-area", "two-leaders", "part-without-team", "unknown-part"],
)
def test_each_team_refusal_is_shown_and_changes_nothing(world, browser, rows, why):
    station_admin = create_user("a-admin", PASSWORD, "甲管理员", "admin", world.a.area)
    db.session.commit()
    browser.login(station_admin.username)
    before, members = count_users(), parts_in(world.a.team)
    preview = upload(browser, TEAM_HEADER + "丙,bing,志愿者,甲派出所一队,志愿者,甲派出所\n" + rows)
    assert preview.status_code == 422
    assert 'name="rows"' not in preview.text and why in preview.text
    assert re.findall(r"<strong>第 (\d+) 行</strong>", preview.text)[-1] == str(rows.count("\n") + 2)
    assert count_users() == before and parts_in(world.a.team) == members


def test_a_team_that_has_a_leader_gets_no_second_one(world, browser):
    from fieldapp.teams.services import change_role

    change_role(world.a.volunteer, "leader")
    db.session.commit()
    browser.login("district-admin")
    before = count_users()
    preview = upload(browser, TEAM_HEADER + "甲,jia,民警,甲派出所一队,队长,甲派出所\n")
    assert preview.status_code == 422 and "甲派出所志愿者" in preview.text  # names the leader there is
    assert count_users() == before
