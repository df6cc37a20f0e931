"""`flask init-district`: a real district's first run, without the demo (issue 14), on SQLite and PostgreSQL."""

from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.limits import PASSWORD_MIN
from fieldapp.models import Area, AuditEvent, Site, User
from tests.conftest import csrf_from

PASSWORD = "a-long-admin-password"
ARGS = ["init-district", "--name", "江城区", "--admin", "zhao", "--admin-name", "赵主任"]


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_an_operator_starts_a_district_and_its_admin_logs_in(app, client):
    result = app.test_cli_runner().invoke(
        args=[
            *ARGS,
            "--station",
            "城关派出所",
            "--station",
            "江北派出所,南湖派出所",
            "--community",
            "城关派出所/东门社区",
        ],
        input=f"{PASSWORD}\n{PASSWORD}\n",  # asked twice, hidden
    )
    assert result.exit_code == 0, result.output
    assert "No demo data loaded" in result.output

    district = db.session.scalar(select(Area).where(Area.parent_id.is_(None)))
    assert (district.name, district.level) == ("江城区", "district")
    stations = {a.name: a for a in district.children}
    assert set(stations) == {"城关派出所", "江北派出所", "南湖派出所"}
    assert {a.level for a in stations.values()} == {"station"}
    assert [(a.name, a.level) for a in stations["城关派出所"].children] == [("东门社区", "community")]
    assert all(a.path.startswith(district.path) for a in stations.values())

    admin = db.session.scalar(select(User))
    assert (count(User), admin.username, admin.display_name, admin.role, admin.area_id) == (
        1,
        "zhao",
        "赵主任",
        "admin",
        district.id,
    )
    assert count(Site) == 0  # nothing of the demo
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("area.create") == 5 and "user.create" in actions and "district.init" in actions

    page = client.get("/login")
    response = client.post(
        "/login", data={"username": "zhao", "password": PASSWORD, "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 303
    assert "江城区" in client.get(f"/areas/{district.id}").text


def test_a_database_that_holds_a_district_is_refused(world, app):
    before = (count(Area), count(User))
    result = app.test_cli_runner().invoke(args=[*ARGS, "--station", "新站派出所", "--password", PASSWORD])
    assert result.exit_code != 0
    assert "此数据库已有区县“测试区”" in result.output
    assert (count(Area), count(User)) == before


def test_nothing_is_created_when_the_password_is_short_or_a_community_has_no_station(app):
    runner = app.test_cli_runner()
    short = runner.invoke(args=[*ARGS, "--station", "城关派出所", "--password", "x" * (PASSWORD_MIN - 1)])
    assert short.exit_code != 0 and str(PASSWORD_MIN) in short.output
    stray = runner.invoke(
        args=[*ARGS, "--station", "城关派出所", "--community", "江北派出所/西门社区", "--password", PASSWORD]
    )
    assert stray.exit_code != 0 and "江北派出所" in stray.output
    twice = runner.invoke(args=[*ARGS, "--station", "城关派出所,城关派出所", "--password", PASSWORD])
    assert twice.exit_code != 0 and "城关派出所" in twice.output
    assert (count(Area), count(User), count(AuditEvent)) == (0, 0, 0)


ROSTER = """派出所,社区,网格,楼栋,单元,楼层,房号,人数
城关派出所,东门社区,东门一网格,1号楼,1,1,101,3
城关派出所,东门社区,东门一网格,1号楼,1,1,102,2
"""


def test_the_readme_path_from_an_empty_database_to_the_first_visit(app, tmp_path):
    """README "Starting a real district (no demo)", step by step: init-district, accounts, roster, tags, a visit."""
    from tests.conftest import Browser
    from tests.test_visits import visit_form

    app.config["BASE_URL"] = "https://fz.example.gov.cn"  # what the operator sets (required on PostgreSQL)
    runner = app.test_cli_runner()
    started = runner.invoke(
        args=[*ARGS, "--station", "城关派出所,江北派出所", "--community", "城关派出所/东门社区", "--password", PASSWORD]
    )
    assert started.exit_code == 0, started.output
    station = db.session.scalar(select(Area).where(Area.name == "城关派出所"))
    account = ["create-user", "xiaochen", "--name", "小陈", "--role", "volunteer", "--area-id", str(station.id)]
    assert runner.invoke(args=[*account, "--password", "volunteer-password"]).exit_code == 0
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    imported = runner.invoke(args=["import-sites", str(roster)])
    assert imported.exit_code == 0, imported.output

    admin = Browser(app.test_client())
    assert admin.login("zhao", PASSWORD).status_code == 303
    building = db.session.scalar(select(Area).where(Area.name == "1号楼"))
    assert admin.client.get(f"/areas/{building.id}/tags").status_code == 200
    assert admin.post(f"/areas/{building.id}/tags/mint", {}).status_code == 303
    sheet = admin.client.get(f"/areas/{building.id}/tags.pdf")
    assert sheet.status_code == 200 and sheet.data.startswith(b"%PDF")

    volunteer = Browser(app.test_client())
    assert volunteer.login("xiaochen", "volunteer-password").status_code == 303
    site = db.session.scalar(select(Site).where(Site.room == "101"))
    door = f"/h/{site.active_tag.token}"
    assert "101" in volunteer.client.get(door).text
    assert volunteer.post(door, visit_form(lat=None, lon=None, accuracy_m=None)).status_code == 303
    assert "入户记录已保存" in volunteer.client.get(door).text
    assert "已入户 1 / 应入户 2" in admin.client.get(f"/areas/{station.id}").text
