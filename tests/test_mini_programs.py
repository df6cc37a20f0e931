"""Mini-programs: a list the district's admin keeps, counted one by one at the door and per area and day."""

import uuid
from datetime import date

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, MiniProgram, ProgramDailyTally, Visit, VisitProgramRegs
from fieldapp.review.services import review_visit
from fieldapp.tallies import area_totals, recount_differences
from fieldapp.visits.services import correct_visit, undo_visit
from tests.test_visits import door_url, visit_count, visit_form


def programs(*names: str) -> list[MiniProgram]:
    made = [MiniProgram(name=name) for name in names]
    db.session.add_all(made)
    db.session.commit()
    return made


def levels(world):
    return (world.a.building, world.a.grid, world.a.community, world.a.area, world.district)


def program_fields(jzz: MiniProgram, fzws: MiniProgram, first: int, second: int) -> dict:
    """The door form with programs: no single "mini-program registrations" field, one count per program."""
    counts = {f"program_{jzz.id}": str(first), f"program_{fzws.id}": str(second)}
    return visit_form(miniprogram_regs=None, people_reached="3", **counts)


def test_an_admin_adds_renames_retires_and_reactivates_programs_audited(world, browser):
    browser.login("district-admin")
    assert "小程序" in browser.client.get("/admin/users").text  # found where accounts and teams are
    assert browser.client.get("/mini-programs").status_code == 200
    assert browser.post("/mini-programs", {"name": " 金钟罩 "}).status_code == 303
    program = db.session.scalar(select(MiniProgram))
    assert (program.name, program.active) == ("金钟罩", True)
    assert "金钟罩" in browser.client.get("/mini-programs").text

    assert browser.post(f"/mini-programs/{program.id}/rename", {"name": "金钟罩2"}).status_code == 303
    assert browser.post(f"/mini-programs/{program.id}/retire", {}).status_code == 303
    db.session.refresh(program)
    assert (program.name, program.active) == ("金钟罩2", False)
    assert browser.post(f"/mini-programs/{program.id}/reactivate", {}).status_code == 303
    db.session.refresh(program)
    assert program.active
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "miniprogram")).all()
    assert actions == [
        "mini_program.create",
        "mini_program.rename",
        "mini_program.retire",
        "mini_program.reactivate",
    ]


def test_empty_duplicate_and_too_long_names_are_refused(world, browser):
    (jzz,) = programs("金钟罩")
    browser.login("district-admin")
    for name, message in (
        (" ", "请填写名称"),
        ("金钟罩", "已有名为 金钟罩 的小程序"),
        ("反" * 51, "名称最多 50 个字符"),
    ):
        response = browser.post("/mini-programs", {"name": name})
        assert response.status_code == 422, name
        assert message in response.text, name
    renamed = browser.post(f"/mini-programs/{jzz.id}/rename", {"name": "金钟罩"})  # its own name: no change
    assert renamed.status_code == 303
    (fzws,) = programs("反诈卫士")
    assert browser.post(f"/mini-programs/{fzws.id}/rename", {"name": "金钟罩"}).status_code == 422
    assert db.session.scalars(select(MiniProgram.name).order_by(MiniProgram.id)).all() == ["金钟罩", "反诈卫士"]


def test_a_volunteer_or_supervisor_cannot_manage_the_list(world, browser):
    (jzz,) = programs("金钟罩")
    for username in ("a-volunteer", "a-supervisor"):
        browser.login(username)
        assert browser.client.get("/mini-programs").status_code == 403
        assert browser.post("/mini-programs", {"name": "反诈卫士"}).status_code == 403
        assert browser.post(f"/mini-programs/{jzz.id}/retire", {}).status_code == 403
        browser.post("/logout", {})
    assert db.session.scalar(select(MiniProgram.active)) is True
    assert db.session.scalars(select(MiniProgram.name)).all() == ["金钟罩"]


def test_without_programs_the_door_form_keeps_its_single_field(world, browser):
    browser.login("a-volunteer")
    page = browser.client.get(door_url(world.a.sites[0])).text
    assert 'name="miniprogram_regs"' in page and 'name="program_' not in page


def test_per_program_counts_show_at_every_level_and_sum_into_miniprogram_regs(world, browser):
    jzz, fzws = programs("金钟罩", "反诈卫士")
    site = world.a.sites[0]
    browser.login("a-volunteer")
    page = browser.client.get(door_url(site)).text
    assert f'name="program_{jzz.id}"' in page and f'name="program_{fzws.id}"' in page
    assert 'name="miniprogram_regs"' not in page
    assert browser.post(door_url(site), program_fields(jzz, fzws, 2, 0)).status_code == 303

    visit = db.session.scalar(select(Visit))
    assert visit.miniprogram_regs == 2
    assert [(row.mini_program_id, row.regs) for row in visit.program_regs] == [(jzz.id, 2)]  # nothing for a 0
    for area in levels(world):
        totals = area_totals(area)
        assert totals.program_regs == {jzz.id: 2}, area.name
        assert totals.miniprogram_regs == 2, area.name
    assert area_totals(world.b.area).program_regs == {}
    assert recount_differences() == []

    browser.post("/logout", {})
    browser.login("a-supervisor")
    station = browser.client.get(f"/areas/{world.a.area.id}").text
    figure = station.split(f'id="program-{jzz.id}"')[1][:300]
    assert "金钟罩" in figure and "<strong>2</strong>" in figure
    assert "<strong>0</strong>" in station.split(f'id="program-{fzws.id}"')[1][:300]


def test_a_retried_submission_counts_once_and_a_different_resend_is_refused(world, browser):
    jzz, fzws = programs("金钟罩", "反诈卫士")
    site = world.a.sites[0]
    browser.login("a-volunteer")
    form = program_fields(jzz, fzws, 1, 1)
    assert browser.post(door_url(site), form).status_code == 303
    assert browser.post(door_url(site), form).status_code == 303
    assert visit_count() == 1
    assert area_totals(world.a.area).program_regs == {jzz.id: 1, fzws.id: 1}

    other = {**form, f"program_{jzz.id}": "2", f"program_{fzws.id}": "0"}  # same sum, other programs
    response = browser.post(door_url(site), other)
    assert response.status_code == 422
    assert "此表单已按其他内容保存过" in response.text
    assert visit_count() == 1
    assert area_totals(world.a.area).program_regs == {jzz.id: 1, fzws.id: 1}
    assert recount_differences() == []


def test_retired_programs_leave_the_form_and_unknown_ones_are_refused(world, browser):
    jzz, fzws = programs("金钟罩", "反诈卫士")
    site = world.a.sites[0]
    browser.login("a-volunteer")
    form = program_fields(jzz, fzws, 1, 1)
    fzws.active = False
    db.session.commit()
    page = browser.client.get(door_url(site)).text
    assert f'name="program_{fzws.id}"' not in page and f'name="program_{jzz.id}"' in page
    assert browser.post(door_url(site), form).status_code == 303  # the retired program's count is not read
    assert area_totals(world.a.area).program_regs == {jzz.id: 1}


def test_undo_rejection_and_correction_move_the_program_tallies_exactly(world, browser):
    jzz, fzws = programs("金钟罩", "反诈卫士")
    site = world.a.sites[0]
    browser.login("a-volunteer")
    browser.post(door_url(site), program_fields(jzz, fzws, 1, 2))
    visit = db.session.scalar(select(Visit))
    undo_visit(world.a.volunteer, visit)
    db.session.commit()
    assert area_totals(world.district).program_regs == {jzz.id: 0, fzws.id: 0}
    assert recount_differences() == []

    browser.post(door_url(site), program_fields(jzz, fzws, 2, 1))
    visit = db.session.scalar(select(Visit).where(Visit.undone_at.is_(None)))
    browser.post("/logout", {})
    browser.login("a-lead")
    page = browser.client.get(f"/visits/{visit.id}/correct").text
    assert f'name="program_{jzz.id}"' in page and 'value="2"' in page
    corrected = {
        "outcome": "talked",
        "people_reached": "3",
        "app_installs": "2",
        "realname_regs": "1",
        f"program_{jzz.id}": "0",
        f"program_{fzws.id}": "3",
        "reason": "填错了小程序",
    }
    assert browser.post(f"/visits/{visit.id}/correct", corrected).status_code == 303
    db.session.refresh(visit)
    assert visit.miniprogram_regs == 3
    assert [(row.mini_program_id, row.regs) for row in visit.program_regs] == [(fzws.id, 3)]
    for area in levels(world):
        assert area_totals(area).program_regs == {jzz.id: 0, fzws.id: 3}, area.name
        assert area_totals(area).miniprogram_regs == 3, area.name
    assert recount_differences() == []

    review_visit(world.a.supervisor, visit, "rejected", "不是这户")
    db.session.commit()
    assert area_totals(world.district).program_regs == {jzz.id: 0, fzws.id: 0}
    assert area_totals(world.district).miniprogram_regs == 0
    assert recount_differences() == []
    kept = select(VisitProgramRegs.regs).where(VisitProgramRegs.visit_id == visit.id)
    assert db.session.scalar(kept) == 3  # the visit keeps what was recorded


def test_correcting_a_visit_from_before_the_list_keeps_its_single_number(world):
    from fieldapp.visits.rules import VisitInput
    from fieldapp.visits.services import record_visit

    visit, _ = record_visit(world.a.volunteer, world.a.sites[0], VisitInput("talked", 2, 0, 0, 2), str(uuid.uuid4()))
    db.session.commit()
    programs("金钟罩")
    correct_visit(world.a.lead, visit, VisitInput("talked", 2, 1, 0, 2), "少记了安装")
    db.session.commit()
    assert (visit.miniprogram_regs, visit.program_regs) == (2, [])
    assert recount_differences() == []


def test_a_rollup_that_disagrees_is_reported(world, browser):
    (jzz,) = programs("金钟罩")
    stray = ProgramDailyTally(area_id=world.a.area.id, day=date(2026, 12, 1), mini_program_id=jzz.id, regs=1)
    db.session.add(stray)
    db.session.commit()
    assert len(recount_differences()) == 1


def test_the_api_takes_per_program_counts_once_and_refuses_unknown_or_retired_programs(world, client):
    from tests.test_api import token_for, visit_json

    jzz, fzws = programs("金钟罩", "反诈卫士")
    fzws.active = False
    db.session.commit()
    headers = token_for(world.a.volunteer, world)
    session = client.get("/api/v1/session", headers=headers).get_json()
    assert session["mini_programs"] == [{"id": jzz.id, "name": "金钟罩"}]  # the retired one is not offered
    site = world.a.sites[0]
    sent = visit_json(site, people_reached=3, program_regs={str(jzz.id): 2})
    first = client.post("/api/v1/visits", json=sent, headers=headers)
    again = client.post("/api/v1/visits", json=sent, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["visit"]["miniprogram_regs"] == 2
    other = client.post("/api/v1/visits", json={**sent, "program_regs": {str(jzz.id): 1}}, headers=headers)
    assert other.status_code == 409
    assert area_totals(world.a.area).program_regs == {jzz.id: 2}

    for program_regs in ({str(fzws.id): 1}, {"999999": 1}, {"abc": 1}, {str(jzz.id): 100}):
        response = client.post("/api/v1/visits", json=visit_json(site, program_regs=program_regs), headers=headers)
        assert response.status_code == 422, program_regs
        assert "program_regs" in response.get_json()["fields"], program_regs
    retired = client.post("/api/v1/visits", json=visit_json(site, program_regs={str(fzws.id): 1}), headers=headers)
    assert "不在名单上，或已停用" in retired.get_json()["fields"]["program_regs"]
    mismatch = visit_json(site, people_reached=3, miniprogram_regs=3, program_regs={str(jzz.id): 1})
    assert client.post("/api/v1/visits", json=mismatch, headers=headers).status_code == 422
    assert visit_count() == 1
    assert recount_differences() == []
