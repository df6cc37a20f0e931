"""A supervisor withdraws a warning the platform retracted, or corrects what it got wrong, on both databases: a
withdrawn warning leaves the volunteer's Today and every count (received, on time, late) at once, stays struck
with its reason, and takes no more steps; a correction that finds another household routes the warning there;
both audited, phones masked; bad input changes nothing; verify-tallies still agrees."""

import io
import uuid
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, MemberAssignment, Site
from fieldapp.models.outreach import FraudWarning
from fieldapp.warnings import deadlines
from fieldapp.warnings.deadlines import warning_figures
from fieldapp.warnings.services import WarningInput, create_warning
from tests.conftest import Browser


def a_warning(world, number: str, minutes_ago: int = 5, **fields) -> FraudWarning:
    warning, _ = create_warning(
        WarningInput(
            external_id=number,
            received_at=utcnow() - timedelta(minutes=minutes_ago),
            area=world.a.area,
            assigned_to=world.a.volunteer,
            **fields,
        ),
        world.admin,
    )
    db.session.commit()
    return warning


def figures(world):
    total, _ranked = warning_figures(world.a.area, [], None, None)
    return total.received, total.on_time, total.late


@pytest.fixture
def supervisor(world, browser):
    browser.login("a-supervisor")
    return browser


def test_a_withdrawn_warning_leaves_today_and_every_count_and_shows_struck_with_its_reason(app, world, supervisor):
    late = a_warning(world, "YJ-LATE", minutes_ago=60)  # its 10-minute call never made: late
    kept = a_warning(world, "YJ-KEPT", minutes_ago=60)
    assert figures(world) == (2, 0, 2)
    week = warning_figures(world.a.area, [], late.day, late.day)[0]
    assert (week.received, week.late) == (2, 2)
    response = supervisor.post(f"/warnings/{late.id}/withdraw", {"reason": "平台撤回：重复推送"})
    assert response.status_code == 303
    assert figures(world) == (1, 0, 1)
    week = warning_figures(world.a.area, [], late.day, late.day)[0]
    assert (week.received, week.late) == (1, 1)
    page = supervisor.client.get(f"/warnings/{late.id}").text
    assert "平台撤回：重复推送" in page and "is-withdrawn" in page
    assert f"/warnings/{late.id}/steps" not in page and f"/warnings/{late.id}/withdraw" not in page
    assert f"/warnings/{late.id}" not in supervisor.client.get("/warnings").text  # not to follow up
    assert "平台撤回：重复推送" in supervisor.client.get("/warnings?show=withdrawn").text
    area_page = supervisor.client.get(f"/areas/{world.a.area.id}").text
    assert '<span id="warnings-received">接收 1</span>' in area_page  # 2 received, 1 withdrawn
    volunteer = Browser(app.test_client())
    volunteer.login("a-volunteer")
    today = volunteer.client.get("/today").text
    assert f"/warnings/{late.id}" not in today and f"/warnings/{kept.id}" in today
    # No more steps on it, from the phone or anyone.
    step = {"client_uuid": str(uuid.uuid4()), "step": "call", "result": "reached"}
    assert volunteer.post(f"/warnings/{late.id}/steps", step).status_code == 422
    db.session.refresh(late)
    assert late.called_at is None and late.withdrawn_by_id == world.a.supervisor.id
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "warning.withdraw")).all()
    assert [(e.object_id, e.user_id, e.after["reason"]) for e in events] == [
        (late.id, world.a.supervisor.id, "平台撤回：重复推送")
    ]
    result = app.test_cli_runner().invoke(args=["verify-tallies"])
    assert result.exit_code == 0, result.output


def test_a_warning_followed_up_on_time_then_withdrawn_no_longer_counts_on_time(app, world, supervisor, monkeypatch):
    warning = a_warning(world, "YJ-OK", minutes_ago=1)
    warning.called_at = warning.visited_at = utcnow()
    db.session.commit()
    assert figures(world) == (1, 1, 0)
    assert supervisor.post(f"/warnings/{warning.id}/withdraw", {"reason": "录入重复"}).status_code == 303
    assert figures(world) == (0, 0, 0)
    # Time moves past every deadline: still nowhere.
    monkeypatch.setattr(deadlines, "utcnow", lambda: utcnow() + timedelta(hours=9))
    assert figures(world) == (0, 0, 0)


def test_withdrawing_needs_a_reason_a_supervisor_of_its_area_and_happens_once(app, world, supervisor):
    warning = a_warning(world, "YJ-W")
    refused = supervisor.post(f"/warnings/{warning.id}/withdraw", {"reason": "  "})
    assert refused.status_code == 422 and "说明撤回原因" in refused.text
    db.session.refresh(warning)
    assert warning.withdrawn_at is None
    volunteer = Browser(app.test_client())
    volunteer.login("a-volunteer")
    assert volunteer.post(f"/warnings/{warning.id}/withdraw", {"reason": "x"}).status_code == 403
    other = Browser(app.test_client())
    other.login("b-supervisor")
    assert other.post(f"/warnings/{warning.id}/withdraw", {"reason": "x"}).status_code == 404
    assert other.post(f"/warnings/{warning.id}/correct", {"category": "x"}).status_code == 404
    db.session.refresh(warning)
    assert warning.withdrawn_at is None
    assert supervisor.post(f"/warnings/{warning.id}/withdraw", {"reason": "平台撤回"}).status_code == 303
    assert supervisor.post(f"/warnings/{warning.id}/withdraw", {"reason": "再次"}).status_code == 303
    corrected = supervisor.post(f"/warnings/{warning.id}/correct", {"category": "冒充客服"})
    assert corrected.status_code == 303
    db.session.refresh(warning)
    assert warning.withdrawn_reason == "平台撤回" and warning.category == ""
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "warning.withdraw")).all()) == 1


def test_a_corrected_phone_routes_the_warning_to_its_household_and_the_audit_masks_it(app, world, supervisor):
    db.session.add(MemberAssignment(area_id=world.a.building.id, user_id=world.a.lead.id, team_id=world.a.team.id))
    world.a.lead.team_id = world.a.team.id
    other = db.session.get(Site, world.a.sites[2].id)
    other.contact_phone = "13900002222"
    db.session.commit()
    warning = a_warning(world, "YJ-C", phone="13812349999", address="不存在的地址")
    warning.assigned_to_id = None
    db.session.commit()
    assert warning.site_id is None and warning.area_id == world.a.area.id
    response = supervisor.post(
        f"/warnings/{warning.id}/correct", {"phone": "139 0000 2222", "address": "不存在的地址", "category": "杀猪盘"}
    )
    assert response.status_code == 303
    db.session.refresh(warning)
    assert (warning.site_id, warning.area_id) == (other.id, world.a.grid.id)
    assert warning.assigned_to_id == world.a.lead.id and warning.category == "杀猪盘"
    assert warning.phone == "13900002222"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "warning.correct"))
    assert event.before["phone"] == "138****9999" and event.after["phone"] == "139****2222"
    assert "13900002222" not in str(event.after) and "13812349999" not in str(event.before)
    page = supervisor.client.get(f"/warnings/{warning.id}").text
    assert "13900002222" not in page and "139****2222" in page
    # A blank phone keeps the number; a bad one changes nothing at all.
    kept = {"phone": "", "address": "不存在的地址", "category": "刷单"}  # as the form comes, address filled in
    assert supervisor.post(f"/warnings/{warning.id}/correct", kept).status_code == 303
    db.session.refresh(warning)
    assert warning.phone == "13900002222" and warning.category == "刷单" and warning.site_id == other.id
    bad = supervisor.post(f"/warnings/{warning.id}/correct", {"phone": "12", "address": "别处", "category": "x"})
    assert bad.status_code == 422 and "7 到 20 位" in bad.text
    db.session.refresh(warning)
    assert (warning.phone, warning.address, warning.category) == ("13900002222", "不存在的地址", "刷单")
    result = app.test_cli_runner().invoke(args=["verify-tallies"])
    assert result.exit_code == 0, result.output


def test_a_supervisor_restores_a_warning_withdrawn_by_mistake_with_its_deadlines_and_an_audit_entry(
    app, world, supervisor
):
    warning = a_warning(world, "YJ-BACK", minutes_ago=60)  # its call is late
    due = (warning.call_due_at, warning.visit_due_at)
    assert supervisor.post(f"/warnings/{warning.id}/withdraw", {"reason": "误撤"}).status_code == 303
    assert figures(world) == (0, 0, 0)
    page = supervisor.client.get(f"/warnings/{warning.id}").text
    assert f'action="/warnings/{warning.id}/restore"' in page
    assert f"/warnings/{warning.id}/restore" not in supervisor.client.get(f"/warnings/{a_warning(world, 'X').id}").text

    response = supervisor.post(f"/warnings/{warning.id}/restore", {})
    assert response.status_code == 303
    assert "已恢复" in supervisor.client.get(response.location).text
    db.session.refresh(warning)
    assert warning.withdrawn_at is None and warning.withdrawn_by_id is None and warning.withdrawn_reason == ""
    assert (warning.call_due_at, warning.visit_due_at) == due
    assert figures(world) == (2, 0, 1)  # late again, as it was before the withdrawal (the other one is pending)
    assert f"/warnings/{warning.id}" in supervisor.client.get("/warnings").text
    volunteer = Browser(app.test_client())
    volunteer.login("a-volunteer")
    assert f"/warnings/{warning.id}" in volunteer.client.get("/today").text
    restored = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "warning.restore")).all()
    assert [(e.object_id, e.user_id, e.before["reason"]) for e in restored] == [
        (warning.id, world.a.supervisor.id, "误撤")
    ]
    # Restoring one not withdrawn says so and changes nothing.
    again = supervisor.post(f"/warnings/{warning.id}/restore", {})
    assert "未被撤回" in supervisor.client.get(again.location).text
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "warning.restore")) == 1


def test_only_a_supervisor_of_its_area_may_restore_and_only_with_the_forms_token(app, world, supervisor):
    warning = a_warning(world, "YJ-GUARD")
    supervisor.post(f"/warnings/{warning.id}/withdraw", {"reason": "平台撤回"})
    others = {"b-supervisor": 404, "a-volunteer": 403}
    for username, status in others.items():
        other = Browser(app.test_client())
        other.login(username)
        assert other.post(f"/warnings/{warning.id}/restore", {}).status_code == status, username
        assert f"/warnings/{warning.id}/restore" not in other.client.get(f"/warnings/{warning.id}").text
    assert supervisor.client.post(f"/warnings/{warning.id}/restore").status_code == 400  # no CSRF token
    db.session.refresh(warning)
    assert warning.withdrawn_at is not None and warning.withdrawn_reason == "平台撤回"


def test_a_withdrawn_warning_stays_in_the_case_file_marked_withdrawn(app, world, supervisor):
    site = world.a.sites[0]
    warning = a_warning(world, "YJ-CASE", door_code=site.tags[0].short_code)
    assert warning.site_id == site.id
    supervisor.post(f"/warnings/{warning.id}/withdraw", {"reason": "平台撤回：重复推送"})
    page = supervisor.client.get(f"/backchecks/sites/{site.id}").text
    assert 'class="is-withdrawn"' in page and "平台撤回：重复推送" in page
    answer = supervisor.client.get(f"/backchecks/sites/{site.id}/case.xlsx")
    rows = [list(row) for row in load_workbook(io.BytesIO(answer.data)).worksheets[0].iter_rows(values_only=True)]
    received = [row for row in rows if row[0] == "收到预警"]
    assert len(received) == 1 and received[0][10] == "已撤回" and "平台撤回：重复推送" in received[0][11]
    supervisor.post(f"/warnings/{warning.id}/restore", {})
    page = supervisor.client.get(f"/backchecks/sites/{site.id}").text
    assert 'class="is-withdrawn"' not in page and "平台撤回" not in page
