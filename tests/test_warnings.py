"""预警劝阻 on both databases: a warning finds its household by phone or address, is stored once per number, a
file with one bad row imports nothing, another station's warning is not there for a volunteer, phones are masked."""

import io
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models.outreach import FraudWarning, WarningStep
from fieldapp.warnings import deadlines
from fieldapp.warnings.services import WarningInput, create_warning
from tests.conftest import Browser


def upload(browser, rows: str, area_id: int):
    body = ("预警编号,预警时间,电话,地址,类别\n" + rows).encode()
    return browser.post(
        "/warnings/import",
        {"area_id": str(area_id), "file": (io.BytesIO(body), "预警.csv")},
        content_type="multipart/form-data",
    )


def warnings_count() -> int:
    return db.session.scalar(select(func.count(FraudWarning.id)))


def test_a_warning_finds_its_household_by_phone_or_by_address(app, world, browser):
    browser.login("a-supervisor")
    rows = "YJ-1,2026-03-04 09:00,138 1234 1234,,刷单返利\nYJ-2,2026-03-04 09:05,,甲派出所社区1号楼1单元201,\n"
    rows += "YJ-3,2026-03-04 09:10,,不存在的地址,\n"
    response = upload(browser, rows, world.a.area.id)
    assert response.status_code == 303
    found = {w.external_id: w for w in db.session.scalars(select(FraudWarning))}
    assert found["YJ-1"].site_id == world.a.sites[0].id and found["YJ-1"].area_id == world.a.grid.id
    assert found["YJ-2"].site_id == world.a.sites[1].id
    assert found["YJ-3"].site_id is None and found["YJ-3"].area_id == world.a.area.id
    # Deadlines fixed on arrival: 10 minutes for the call, 8 hours for the face-to-face visit.
    one = found["YJ-1"]
    assert one.call_due_at - one.received_at == timedelta(minutes=10)
    assert one.visit_due_at - one.received_at == timedelta(hours=8)


def test_the_same_warning_number_is_stored_once(app, world, browser):
    browser.login("a-supervisor")
    upload(browser, "YJ-9,2026-03-04 09:00,13812341234,,\nYJ-9,2026-03-04 09:00,13812341234,,\n", world.a.area.id)
    upload(browser, "YJ-9,2026-03-04 09:00,13812341234,,\n", world.a.area.id)
    assert warnings_count() == 1


def test_a_file_with_a_bad_row_imports_nothing_and_names_the_row(app, world, browser):
    browser.login("a-supervisor")
    response = upload(
        browser, "YJ-5,2026-03-04 09:00,,,\nYJ-6,昨天上午,,,\nYJ-7,2026-03-04 09:00,12,,\n", world.a.area.id
    )
    assert response.status_code == 422
    assert "第 3 行" in response.text and "第 4 行" in response.text and "昨天上午" in response.text
    assert warnings_count() == 0


def test_another_stations_warning_is_not_found_for_a_volunteer(app, world, browser):
    warning, _ = create_warning(
        WarningInput(external_id="YJ-B", received_at=utcnow(), phone="13900001111", area=world.b.area), world.admin
    )
    db.session.commit()
    browser.login("a-volunteer")
    assert browser.client.get(f"/warnings/{warning.id}").status_code == 404
    response = browser.post(f"/warnings/{warning.id}/steps", {"client_uuid": str(uuid.uuid4()), "step": "call"})
    assert response.status_code == 404
    assert browser.client.get("/warnings").status_code == 403


def test_phones_are_masked_in_lists_and_on_today(app, world, browser):
    warning, _ = create_warning(
        WarningInput(
            external_id="YJ-M",
            received_at=utcnow(),
            phone="13812345678",
            area=world.a.area,
            assigned_to=world.a.volunteer,
        ),
        world.admin,
    )
    db.session.commit()
    browser.login("a-volunteer")
    today = browser.client.get("/today").text
    assert "138****5678" in today and "13812345678" not in today
    supervisor = Browser(app.test_client())
    supervisor.login("a-supervisor")
    listed = supervisor.client.get("/warnings").text
    assert "138****5678" in listed and "13812345678" not in listed
    assert "13812345678" not in supervisor.client.get(f"/warnings/{warning.id}").text


def test_a_step_sent_twice_is_recorded_once_and_the_first_call_sets_called_at(app, world, browser, monkeypatch):
    warning, _ = create_warning(
        WarningInput(external_id="YJ-S", received_at=utcnow(), area=world.a.area, assigned_to=world.a.volunteer),
        world.admin,
    )
    db.session.commit()
    browser.login("a-volunteer")
    form = {"client_uuid": str(uuid.uuid4()), "step": "call", "result": "reached", "lat": "30.0", "lon": "120.0"}
    assert browser.post(f"/warnings/{warning.id}/steps", form).status_code == 303
    assert browser.post(f"/warnings/{warning.id}/steps", form).status_code == 303
    assert db.session.scalar(select(func.count(WarningStep.id))) == 1
    db.session.refresh(warning)
    assert warning.called_at is not None and warning.visited_at is None
    # A face-to-face result on a call is refused visibly, nothing written.
    bad = {"client_uuid": str(uuid.uuid4()), "step": "call", "result": "done"}
    assert browser.post(f"/warnings/{warning.id}/steps", bad).status_code == 422
    assert db.session.scalar(select(func.count(WarningStep.id))) == 1
    # Nine hours later, the face-to-face step never done: overdue, and late.
    monkeypatch.setattr(deadlines, "utcnow", lambda: warning.received_at + timedelta(hours=9))
    assert deadlines.overdue_steps(warning) == ["visit"] and deadlines.timeliness(warning) == "late"


def test_the_overdue_list_shows_the_open_warnings_past_a_deadline_by_the_moved_clock(app, world, browser, monkeypatch):
    start = utcnow()
    late, _ = create_warning(WarningInput("YJ-OVERDUE", start, area=world.a.area), world.admin)
    called, _ = create_warning(WarningInput("YJ-CALLED", start, area=world.a.area), world.admin)
    called.called_at = start + timedelta(minutes=1)
    db.session.commit()
    browser.login("a-supervisor")
    assert "YJ-OVERDUE" not in browser.client.get("/warnings?show=overdue").text  # its 10 minutes not yet over
    monkeypatch.setattr(deadlines, "utcnow", lambda: start + timedelta(minutes=11))
    page = browser.client.get("/warnings?show=overdue").text
    assert f"/warnings/{late.id}" in page and f"/warnings/{called.id}" not in page
    monkeypatch.setattr(deadlines, "utcnow", lambda: start + timedelta(hours=8, minutes=1))
    page = browser.client.get("/warnings?show=overdue").text
    assert f"/warnings/{late.id}" in page and f"/warnings/{called.id}" in page  # its visit now overdue
