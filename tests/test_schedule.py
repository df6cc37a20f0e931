"""Scheduled work on the queue: the nightly retention purge and the weekly spot-check draw do what their commands
do, and running them twice (two worker hosts) changes nothing the second time."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from fieldapp import schedule
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import AuditEvent
from fieldapp.models.outreach import FraudWarning
from fieldapp.models.trust import SpotCheckRound
from fieldapp.visits.clock import local_today
from fieldapp.warnings import deadlines
from fieldapp.warnings.services import StepInput, WarningInput, create_warning, record_step
from tests.test_retention import visit_at_door
from tests.test_spot_checks import crew


def test_the_nightly_purge_clears_old_gps_fixes_and_notes_once(app, world):
    old = visit_at_door(world, 0, days_ago=200)
    recent = visit_at_door(world, 1, days_ago=10)
    db.session.commit()
    schedule.purge_personal_data_daily.call_local()
    schedule.purge_personal_data_daily.call_local()  # a second host's scheduler: nothing left to clear
    db.session.rollback()
    db.session.refresh(old)
    db.session.refresh(recent)
    assert (old.lat, old.note) == (None, "") and recent.lat is not None and recent.note


def test_the_weekly_draw_draws_last_week_for_each_station_once(app, world, monkeypatch):
    crew(world)  # visits today: "last week" seen from a week on
    monkeypatch.setattr("fieldapp.visits.clock.local_today", lambda: local_today() + timedelta(days=7))
    schedule.draw_last_weeks_spot_checks.call_local()
    schedule.draw_last_weeks_spot_checks.call_local()
    db.session.rollback()
    rounds = db.session.scalars(select(SpotCheckRound)).all()
    assert len(rounds) == 1 and rounds[0].area_id == world.a.area.id and rounds[0].created_by_id is None
    assert db.session.scalar(select(func.count()).select_from(SpotCheckRound)) == 1


def test_the_draw_is_not_scheduled_unless_asked_for(monkeypatch):
    from datetime import datetime

    night = datetime(2026, 3, 1, 19, 17)  # 03:17 in China, on the scheduler's UTC clock
    monday_early = datetime(2026, 3, 1, 18, 37)  # 02:37 in China
    assert {"purge", "overdue"} == schedule.SCHEDULED  # the default
    assert schedule.purge_personal_data_daily.task_class().validate_datetime(night)
    assert not schedule.purge_personal_data_daily.task_class().validate_datetime(monday_early)
    assert not schedule.draw_last_weeks_spot_checks.task_class().validate_datetime(monday_early)
    monkeypatch.setattr(schedule, "SCHEDULED", {"purge", "spot_checks"})  # FIELDAPP_SCHEDULE=purge,spot_checks
    assert schedule.when("spot_checks", minute="37", hour="18")(monday_early)


def test_a_warning_newly_late_is_stamped_audited_and_logged_once(app, world, monkeypatch, caplog):
    """By the warnings' clock: the call's 10 minutes pass, then the face-to-face visit's 8 hours; each run stamps
    only what is newly late, and a second host's run stamps nothing more."""
    caplog.set_level("INFO", logger=app.logger.name)
    start = utcnow()
    clock = {"now": start}
    monkeypatch.setattr(deadlines, "utcnow", lambda: clock["now"])
    called, _ = create_warning(WarningInput("YJ-CALLED", start, area=world.a.area), world.admin)
    uncalled, _ = create_warning(WarningInput("YJ-UNCALLED", start, area=world.a.area), world.admin)
    withdrawn, _ = create_warning(WarningInput("YJ-WITHDRAWN", start, area=world.a.area), world.admin)
    called.called_at = start + timedelta(minutes=2)
    withdrawn.withdrawn_at, withdrawn.withdrawn_reason = start, "录入重复"
    db.session.commit()

    def run_twice():
        schedule.stamp_late_warnings.call_local()
        schedule.stamp_late_warnings.call_local()  # a second host's scheduler at the same moment
        db.session.rollback()
        return {w.external_id: w.late_seen_at for w in db.session.scalars(select(FraudWarning))}

    clock["now"] = start + timedelta(minutes=5)
    assert set(run_twice().values()) == {None}  # no deadline passed yet
    clock["now"] = start + timedelta(minutes=11)
    seen = run_twice()
    assert seen == {"YJ-CALLED": None, "YJ-UNCALLED": clock["now"], "YJ-WITHDRAWN": None}
    first = clock["now"]
    clock["now"] = start + timedelta(hours=8, minutes=1)  # the called one's face-to-face visit now late too
    seen = run_twice()
    assert seen == {"YJ-CALLED": clock["now"], "YJ-UNCALLED": first, "YJ-WITHDRAWN": None}
    audits = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "warning.late")).all()
    assert sorted((a.object_id, tuple(a.after["steps"])) for a in audits) == [
        (called.id, ("visit",)),
        (uncalled.id, ("call",)),
    ]
    logged = [r.getMessage() for r in caplog.records if "is late" in r.getMessage()]
    assert sorted(logged) == ["warnings: YJ-CALLED is late (area 2)", "warnings: YJ-UNCALLED is late (area 2)"]


def test_a_step_recorded_past_its_deadline_stamps_the_warning_late_at_once(app, world, monkeypatch):
    start = utcnow()
    monkeypatch.setattr(deadlines, "utcnow", lambda: start + timedelta(minutes=30))
    warning, _ = create_warning(
        WarningInput("YJ-LATE-CALL", start, area=world.a.area, assigned_to=world.a.volunteer), world.admin
    )
    on_time, _ = create_warning(
        WarningInput("YJ-ON-TIME", start + timedelta(minutes=25), area=world.a.area, assigned_to=world.a.volunteer),
        world.admin,
    )
    record_step(world.a.volunteer, warning, StepInput("call", "reached"), str(uuid.uuid4()))
    record_step(world.a.volunteer, on_time, StepInput("call", "reached"), str(uuid.uuid4()))
    db.session.commit()
    assert warning.late_seen_at == start + timedelta(minutes=30) and on_time.late_seen_at is None
    schedule.stamp_late_warnings.call_local()  # already stamped: nothing more, no audit entry
    db.session.rollback()
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "warning.late")) == 0


def test_overdue_is_scheduled_every_five_minutes_by_default():
    from datetime import datetime

    assert {"purge", "overdue"} == schedule.SCHEDULED
    assert schedule.stamp_late_warnings.task_class().validate_datetime(datetime(2026, 3, 1, 10, 35))
    assert not schedule.stamp_late_warnings.task_class().validate_datetime(datetime(2026, 3, 1, 10, 36))
