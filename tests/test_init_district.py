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
