"""Scheduled work on the queue: the nightly retention purge and the weekly spot-check draw do what their commands
do, and running them twice (two worker hosts) changes nothing the second time."""

from datetime import timedelta

from sqlalchemy import func, select

from fieldapp import schedule
from fieldapp.extensions import db
from fieldapp.models.trust import SpotCheckRound
from fieldapp.visits.clock import local_today
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


def test_only_the_purge_is_scheduled_unless_the_draw_is_asked_for(monkeypatch):
    from datetime import datetime

    night = datetime(2026, 3, 1, 19, 17)  # 03:17 in China, on the scheduler's UTC clock
    monday_early = datetime(2026, 3, 1, 18, 37)  # 02:37 in China
    assert {"purge"} == schedule.SCHEDULED  # the default
    assert schedule.purge_personal_data_daily.task_class().validate_datetime(night)
    assert not schedule.purge_personal_data_daily.task_class().validate_datetime(monday_early)
    assert not schedule.draw_last_weeks_spot_checks.task_class().validate_datetime(monday_early)
    monkeypatch.setattr(schedule, "SCHEDULED", {"purge", "spot_checks"})  # FIELDAPP_SCHEDULE=purge,spot_checks
    assert schedule.when("spot_checks", minute="37", hour="18")(monday_early)
