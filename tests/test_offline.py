"""The server's side of working without signal: the app shell, the supervisor's import of a saved
outbox, API keys issued and revoked by admins, and what the daily log shows of phones' clocks."""

import io
import json
import re
import uuid
from datetime import UTC, timedelta

from sqlalchemy import func, select

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import ApiToken, AuditEvent, Visit
from fieldapp.visits.clock import local_day_start, local_today


def saved_outbox(user: str, visits: list[dict]) -> dict:
    return {
        "format": "fieldapp-outbox",
        "version": 1,
        "user": user,
        "saved_at": "2026-11-23T10:00:00Z",
        "visits": visits,
    }


def outbox_visit(site, **overrides) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "tag": site.active_tag.token,
        "outcome": "talked",
        "people_reached": 1,
        "app_installs": 1,
        "device_time": (utcnow() - timedelta(hours=3)).replace(tzinfo=UTC).isoformat(),
        **overrides,
    }


def upload(browser, content: dict | bytes):
    data = content if isinstance(content, bytes) else json.dumps(content).encode()
    return browser.post(
        "/outbox/import",
        {"file": (io.BytesIO(data), "fieldapp-outbox.json")},
        content_type="multipart/form-data",
    )


def visits() -> int:
    return db.session.scalar(select(func.count(Visit.id)))


def test_a_supervisor_imports_a_saved_outbox_once_for_the_volunteer(world, browser):
    sites = world.a.sites
    saved = saved_outbox(
        "a-volunteer",
        [
            outbox_visit(sites[0]),
            outbox_visit(sites[1]),
            outbox_visit(sites[2], outcome="maybe"),
            outbox_visit(world.b.sites[0]),
        ],
    )
    browser.login("a-supervisor")
    page = upload(browser, saved)
    assert page.status_code == 200
    assert page.text.count("已记录") == 2 and "请选择入户情况" in page.text and "您的辖区内没有这个门牌码" in page.text
    stored = db.session.scalars(select(Visit)).all()
    assert len(stored) == 2
    assert {visit.user_id for visit in stored} == {world.a.volunteer.id}  # counted for who knocked
    assert all(visit.server_time - visit.happened_at > timedelta(hours=2) for visit in stored)

    again = upload(browser, saved)
    assert "此前已记录，不重复计数" in again.text
    assert visits() == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "outbox.import").order_by(AuditEvent.id))
    assert event.after["recorded"] == 2 and event.after["refused"] == 2


def test_an_outbox_of_another_station_or_not_an_outbox_is_refused_and_changes_nothing(world, browser):
    browser.login("a-supervisor")
    other = upload(browser, saved_outbox("b-volunteer", [outbox_visit(world.b.sites[0])]))
    assert other.status_code == 422 and "不在您的辖区内" in other.text
    assert upload(browser, b"\xff\xfe not json").status_code == 422
    assert upload(browser, {"visits": []}).status_code == 422
    assert visits() == 0


def test_volunteers_cannot_import_outboxes(world, browser):
    browser.login("a-volunteer")
    assert browser.client.get("/outbox/import").status_code == 403


def test_the_offline_page_holds_nothing_personal(world, browser):
    browser.login("a-volunteer")
    for url in ("/offline", "/outbox"):
        page = browser.client.get(url)
        assert page.status_code == 200
        assert "a-volunteer" not in page.text and "甲派出所志愿者" not in page.text
        assert "csrf" not in page.text.lower()  # a cached page must not carry a session's token
    worker = browser.client.get("/sw.js")
    assert worker.headers["Content-Type"].startswith("text/javascript") and "/offline" in worker.text
    # The names and addresses it shares with the pages come from one script: imported, and kept with the shell.
    common = re.search(r'importScripts\("(/static/js/common\.js\?v=\w+)"\)', worker.text).group(1)
    assert worker.text.count(f'"{common}"') == 2
    manifest = browser.client.get("/manifest.webmanifest").get_json(force=True)
    assert manifest["display"] == "standalone" and {icon["sizes"] for icon in manifest["icons"]} == {
        "192x192",
        "512x512",
    }
    icon = browser.client.get("/icons/512.png")
    assert icon.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_admin_issues_a_key_shown_once_and_revokes_it(world, browser, app):
    client = app.test_client()  # another device: no admin session cookie
    browser.login("district-admin")
    page = browser.post(f"/admin/users/{world.a.volunteer.id}/tokens", {"name": "站点平板"})
    assert page.status_code == 200
    plain = page.text.split('<code class="secret">')[1].split("</code>")[0]
    assert plain.startswith("fa_")
    assert plain not in browser.client.get(f"/admin/users/{world.a.volunteer.id}/tokens").text  # once only
    assert client.get("/api/v1/session", headers={"Authorization": f"Bearer {plain}"}).status_code == 200

    token = db.session.scalar(select(ApiToken))
    assert browser.post(f"/admin/tokens/{token.id}/revoke", {}).status_code == 303
    assert client.get("/api/v1/session", headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "apitoken")).all()
    assert actions == ["api_token.issue", "api_token.revoke"]
    assert browser.post(f"/admin/users/{world.a.volunteer.id}/tokens", {"name": ""}).status_code == 422


def test_only_admins_of_the_area_handle_keys(world, browser):
    browser.login("a-supervisor")
    assert browser.client.get(f"/admin/users/{world.a.volunteer.id}/tokens").status_code == 403


def test_the_daily_log_flags_a_wrong_phone_clock_and_keeps_outbox_visits_apart(world, browser, client):
    from fieldapp.api.tokens import issue_token

    _token, plain = issue_token(world.a.volunteer, "phone", world.admin)
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    now = utcnow()
    yesterday = local_today() - timedelta(days=1)
    morning = local_day_start(yesterday) + timedelta(hours=10)

    def at(moment):
        return moment.replace(tzinfo=UTC).isoformat()

    # Two visits made 20 minutes apart yesterday morning, sent together now from a phone 30 minutes fast.
    batch = [
        outbox_visit(
            site,
            device_time=at(morning + timedelta(minutes=minutes) + timedelta(minutes=30)),
            sent_at=at(now + timedelta(minutes=30)),
        )
        for site, minutes in ((world.a.sites[0], 0), (world.a.sites[1], 20))
    ]
    answer = client.post("/api/v1/visits/batch", json={"visits": batch}, headers=headers).get_json()
    assert [result["status"] for result in answer["results"]] == [201, 201]

    browser.login("a-supervisor")
    log = browser.client.get(f"/log?area={world.a.area.id}&flag=clock&day={yesterday}").text
    assert log.count("手机时钟偏差 30 分钟") == 2
    # Sent in the same second, but not "rapid": they happened 20 minutes apart.
    assert "距上一户 20 分钟" in log and "秒" not in log.split("距上一户")[1][:8]
