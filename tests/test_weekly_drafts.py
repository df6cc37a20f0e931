"""A large area's draft of this week (its report until published) is kept as built and says when it was built:
today's visits leave it as it is, and it is built again by the worker once older than DRAFT_KEEP_MINUTES, in the
request when much older, or at once with "Update now". A draft never stands for its week once the week is over, and
a step on a warning leaves a kept week as it was (warnings are read again on every use)."""

import uuid
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from fieldapp import queue
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import WeeklyReportCache
from fieldapp.periods import week_bounds
from fieldapp.reports import weekly_cache
from fieldapp.reports.weekly_cache import weekly_data
from fieldapp.visits.clock import local_day_start, local_today
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit
from tests.conftest import csrf_from
from tests.test_weekly_cache import fresh, installs_of, kept_rows, sent_late
from tests.test_weekly_kinds import warning_at


@pytest.fixture
def large(app):
    app.config["DRAFT_KEEP_HOUSEHOLDS"] = 0  # every area counts as large
    return week_bounds(local_today())[0]


def talk_today(world, site, installs: int) -> None:
    record_visit(world.a.volunteer, site, VisitInput("talked", installs, installs), str(uuid.uuid4()))
    db.session.commit()


def built_at(area, week_start):
    db.session.commit()  # a new read: drafts are kept on a connection of their own
    key = (WeeklyReportCache.area_id == area.id, WeeklyReportCache.week_start == week_start)
    return db.session.scalar(select(WeeklyReportCache.built_at).where(*key))


def make_older(area, week_start, minutes: int) -> None:
    key = (WeeklyReportCache.area_id == area.id, WeeklyReportCache.week_start == week_start)
    older = built_at(area, week_start) - timedelta(minutes=minutes)  # in Python: SQLite keeps the time as text
    db.session.execute(update(WeeklyReportCache).where(*key).values(built_at=older))
    db.session.commit()


def test_a_draft_stands_for_its_time_and_the_worker_builds_it_again_once_it_is_old(world, large):
    area = world.a.area
    talk_today(world, world.a.sites[0], 2)
    first = weekly_data(area, large)
    assert installs_of(first) == 2 and first["as_of"] == built_at(area, large)
    talk_today(world, world.a.sites[1], 3)
    assert installs_of(weekly_data(area, large)) == 2  # as of its build: today's visits leave it

    make_older(area, large, 6)  # past the 5 minutes
    assert installs_of(weekly_data(area, large)) == 2  # shown as kept, while the worker (at once here) builds it
    db.session.commit()  # the next request
    again = weekly_data(area, large)
    assert installs_of(again) == 5 and again["as_of"] > first["as_of"]
    assert {key: value for key, value in again.items() if key != "as_of"} == fresh(area, large)


@pytest.fixture
def no_worker(monkeypatch, world):
    """The drafts the request asks the worker for, none built; the marker of the ask removed after."""
    queued = []
    monkeypatch.setattr(weekly_cache, "refresh_draft", lambda *args: queued.append(args))
    yield queued
    for area_id, week_start in queued:
        queue.huey.delete(f"draft:{area_id}:{week_start}")


def test_a_draft_much_older_than_its_age_is_built_in_the_request(world, large, no_worker):
    queued = no_worker
    area = world.a.area
    weekly_data(area, large)
    talk_today(world, world.a.sites[0], 4)
    make_older(area, large, 6)
    assert installs_of(weekly_data(area, large)) == 0 and len(queued) == 1
    assert installs_of(weekly_data(area, large)) == 0 and len(queued) == 1  # asked once, not on every view
    make_older(area, large, 10)  # 16 minutes: more than three times 5
    assert installs_of(weekly_data(area, large)) == 4 and len(queued) == 1


def test_the_page_says_when_its_figures_are_from_and_update_now_builds_them(world, large, browser):
    browser.login("a-supervisor")
    url = f"/reports/weekly?area={world.a.area.id}"
    page = browser.client.get(url).text
    assert "草稿：数据截至" in page and 'id="draft-update"' in page
    talk_today(world, world.a.sites[0], 7)
    assert installs_of(weekly_data(world.a.area, large)) == 0
    form = {"area": world.a.area.id, "csrf_token": csrf_from(page)}
    make_older(world.a.area, large, 2)
    answer = browser.client.post("/reports/weekly/update", data=form)
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/reports/weekly?")
    assert installs_of(weekly_data(world.a.area, large)) == 7
    refused = browser.client.post("/reports/weekly/update", data={"area": world.a.area.id})
    assert refused.status_code == 400  # no CSRF token: nothing built


def test_update_now_builds_a_draft_at_most_once_a_minute(world, large, browser):
    # A district's build is seconds of a worker's time: pressing again at once (or a colleague pressing too)
    # shows the draft just built, and says so.
    browser.login("a-supervisor")
    page = browser.client.get(f"/reports/weekly?area={world.a.area.id}").text
    built = built_at(world.a.area, large)
    talk_today(world, world.a.sites[0], 3)
    form = {"area": world.a.area.id, "csrf_token": csrf_from(page)}
    answer = browser.client.post("/reports/weekly/update", data=form, follow_redirects=True)
    assert "不到一分钟前刚更新过" in answer.text and installs_of(weekly_data(world.a.area, large)) == 0
    assert built_at(world.a.area, large) == built
    make_older(world.a.area, large, 1)
    browser.client.post("/reports/weekly/update", data=form)
    assert installs_of(weekly_data(world.a.area, large)) == 3


def test_a_drafts_files_say_when_their_figures_are_from(app, world, large, browser):
    browser.login("a-supervisor")
    weekly_data(world.a.area, large)
    as_of = weekly_data(world.a.area, large)["as_of"]
    shown = as_of.replace(tzinfo=UTC).astimezone(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"]))
    answer = browser.client.get(f"/reports/weekly.csv?area={world.a.area.id}&week={large.isoformat()}")
    status = answer.data.decode("utf-8-sig").splitlines()[2]
    assert status == f"草稿：数据截至 {shown:%Y-%m-%d %H:%M}"


def test_an_area_of_another_station_cannot_be_updated(world, large, browser):
    browser.login("a-supervisor")
    page = browser.client.get("/reports/weekly").text
    form = {"area": world.b.area.id, "csrf_token": csrf_from(page)}
    answer = browser.client.post("/reports/weekly/update", data=form)
    assert answer.status_code == 404 and built_at(world.b.area, large) is None


def test_a_draft_kept_on_the_weeks_last_evening_is_built_again_once_the_week_is_over(world, large):
    past = large - timedelta(days=7)
    area = world.a.area
    sent_late(world, world.a.sites[0], past + timedelta(days=1), installs=1)
    weekly_data(area, past)
    last_evening = local_day_start(past + timedelta(days=7)) - timedelta(minutes=2)
    db.session.execute(update(WeeklyReportCache).values(built_at=last_evening))
    db.session.commit()
    assert weekly_data(area, past) == fresh(area, past)
    assert built_at(area, past) > last_evening  # not used: built again


def test_a_late_visit_drops_the_weeks_it_counts_in_but_not_this_weeks_draft(world, large):
    past = large - timedelta(days=7)
    area = world.a.area
    weekly_data(area, past)
    weekly_data(area, large)
    assert kept_rows() == 2
    sent_late(world, world.a.sites[0], past + timedelta(days=2), installs=3)
    assert db.session.scalars(select(WeeklyReportCache.week_start)).all() == [large]
    assert installs_of(weekly_data(area, past)) == 3


def test_a_step_on_a_warning_leaves_a_kept_week_as_it_was(world):
    past = week_bounds(local_today())[0] - timedelta(days=7)
    sent_late(world, world.a.sites[0], past + timedelta(days=1), installs=1)
    in_the_past_week = (utcnow() - local_day_start(past + timedelta(days=3))).total_seconds() / 3600
    that_week = warning_at(world.a.grid, world.admin, in_the_past_week)  # no step taken: late
    weekly_data(world.district, past)
    kept = built_at(world.district, past)
    warning_at(world.a.grid, world.admin, 0.5, called_after=timedelta(minutes=1))  # audited as warning.create
    that_week.visited_at = that_week.received_at + timedelta(hours=30)
    db.session.commit()
    shown = weekly_data(world.district, past)
    assert shown == fresh(world.district, past) and built_at(world.district, past) == kept
    grids = next(table for table in shown["outreach"]["warning_tables"] if table["kind"] == "grid")
    assert [(row["name"], row["week"]["received"]) for row in grids["rows"]] == [(world.a.grid.name, 1)]
