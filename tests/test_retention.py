"""Raw GPS fixes and notes are kept for FIELDAPP_RETENTION_DAYS, then cleared; the figures never move."""

import re
import uuid
from datetime import timedelta

from sqlalchemy import select, update

from fieldapp.config import Config
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Visit
from fieldapp.site_counts import recount_site_differences
from fieldapp.tallies import recount_differences
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit


def visit_at_door(world, n: int, days_ago: int, note: str = "老人独居, 电话 13800001234") -> Visit:
    site = world.a.sites[n % len(world.a.sites)]
    data = VisitInput("talked", 2, 1, note=note, lat=30.0003, lon=120.0002, accuracy_m=12)
    visit, _ = record_visit(world.a.volunteer, site, data, str(uuid.uuid4()))
    db.session.flush()
    db.session.execute(
        update(Visit).where(Visit.id == visit.id).values(server_time=utcnow() - timedelta(days=days_ago))
    )
    return visit


def area_page(browser, world) -> str:
    """The station's page as its supervisor sees it, without the per-request CSRF token."""
    html = browser.client.get(f"/areas/{world.a.area.id}").text
    # CSRF tokens are signed with the time: two renderings a second apart differ only there.
    html = re.sub(r'(name="csrf_token"[^>]*value=|<meta name="csrf-token" content=)"[^"]*"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", html)


def test_retention_defaults_to_180_days():
    assert Config.RETENTION_DAYS == 180


def test_old_gps_and_notes_are_cleared_the_evidence_and_figures_stay(app, world, browser):
    old = [visit_at_door(world, n, days_ago=181 + n) for n in range(3)]
    recent = [visit_at_door(world, n, days_ago=10) for n in range(2)]
    db.session.commit()
    evidence = {v.id: (v.accuracy_m, v.distance_m, v.gps_missing, v.gps_inaccurate, v.gps_far) for v in old}
    assert all(v.distance_m is not None for v in old)
    browser.login("a-supervisor")
    page_before = area_page(browser, world)
    assert recount_differences() == [] and recount_site_differences() == []

    runner = app.test_cli_runner()
    dry = runner.invoke(args=["purge-personal-data", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would clear the GPS fix of 3 visits and the note of 3 visits" in dry.output
    db.session.expire_all()
    assert all(v.lat is not None and v.note for v in old)  # a dry run changes nothing
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "visit.purge_personal_data")) is None

    result = runner.invoke(args=["purge-personal-data"])
    assert result.exit_code == 0, result.output
    assert "Cleared the GPS fix of 3 visits and the note of 3 visits" in result.output
    db.session.expire_all()
    for visit in old:
        assert (visit.lat, visit.lon, visit.note) == (None, None, "")
        assert (visit.accuracy_m, visit.distance_m, visit.gps_missing, visit.gps_inaccurate, visit.gps_far) == (
            evidence[visit.id]
        )
    assert all(v.lat is not None and v.note for v in recent)
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "visit.purge_personal_data"))
    assert event.after["gps"] == 3 and event.after["notes"] == 3 and event.after["days"] == 180

    assert recount_differences() == [] and recount_site_differences() == []
    assert area_page(browser, world) == page_before

    again = runner.invoke(args=["purge-personal-data"])
    assert "Cleared the GPS fix of 0 visits and the note of 0 visits" in again.output


def test_the_retention_period_comes_from_the_setting(app, world):
    visit = visit_at_door(world, 0, days_ago=40)
    db.session.commit()
    app.config["RETENTION_DAYS"] = 60
    assert "of 0 visits" in app.test_cli_runner().invoke(args=["purge-personal-data"]).output
    app.config["RETENTION_DAYS"] = 30
    assert "GPS fix of 1 visit and" in app.test_cli_runner().invoke(args=["purge-personal-data"]).output
    db.session.expire_all()
    assert visit.lat is None
