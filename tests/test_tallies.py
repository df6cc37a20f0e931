"""Tallies at every level, for any period, per team and volunteer; the unvisited list; the chart."""

import uuid
from datetime import timedelta

from fieldapp.areas import people as area_people
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.tallies import area_totals, people_totals
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit


def talk(world, site_index=0, installs=1, realname=0, days_ago=0, user=None):
    """A talk at one of station A's doors (by its volunteer unless `user` says), recorded by a phone whose clock
    says `days_ago` days back."""
    data = VisitInput("talked", max(1, installs), installs, realname)
    if days_ago:
        data.device_time = utcnow() - timedelta(days=days_ago)
    visit, _ = record_visit(user or world.a.volunteer, world.a.sites[site_index], data, str(uuid.uuid4()))
    db.session.commit()
    return visit


def test_periods_count_only_their_days(world, browser):
    talk(world, 0, installs=2, days_ago=3)
    talk(world, 1, installs=1)
    browser.login("a-supervisor")
    station = world.a.area.id
    assert 'id="installs"' in (all_time := browser.client.get(f"/areas/{station}").text)
    assert "<strong>3</strong>" in all_time.split('id="installs"')[1][:200]
    today = browser.client.get(f"/areas/{station}?period=today").text
    assert "<strong>1</strong>" in today.split('id="installs"')[1][:200]
    visit_days = browser.client.get(f"/areas/{station}?period=range&from=2000-01-01&to=2000-01-02").text
    assert "<strong>0</strong>" in visit_days.split('id="installs"')[1][:200]
    bad = browser.client.get(f"/areas/{station}?period=range&from=yesterday&to=2000-01-02")
    assert bad.status_code == 200 and "<strong>3</strong>" in bad.text.split('id="installs"')[1][:200]


def test_registrations_per_ten_thousand_residents(world):
    talk(world, 0, installs=2, realname=2)
    totals = area_totals(world.a.area)
    # 4 occupied households × 3 residents = 12 residents; 2 registrations → 1,666.7 per 10,000.
    assert totals.residents == 12
    assert round(totals.realname_per_10k, 1) == 1666.7


def test_team_and_volunteer_figures_follow_their_visits(world, browser):
    talk(world, 0, installs=2)
    talk(world, 1, installs=1)
    people = people_totals(world.a.area)
    assert [(user.username, t["app_installs"], t["households_covered"]) for user, t in people["users"]] == [
        ("a-volunteer", 3, 2)
    ]
    assert [(team.name, t["visits"]) for team, t in people["teams"]] == [("甲派出所一队", 2)]
    assert people_totals(world.b.area) == {"users": [], "teams": [], "user_count": 0, "team_count": 0}
    browser.login("a-supervisor")
    assert "甲派出所志愿者" in browser.client.get(f"/areas/{world.a.area.id}").text


def test_the_unvisited_list_names_every_household_not_yet_talked_to(world, browser):
    talk(world, 0)
    browser.login("a-volunteer")
    page = browser.client.get(f"/areas/{world.a.area.id}/unvisited").text
    assert "还有 3 户常住户尚未入户宣传" in page
    for site in world.a.sites[1:4]:
        assert f"/h/{site.active_tag.token}" in page
    assert f"/h/{world.a.sites[0].active_tag.token}" not in page  # visited
    assert f"/h/{world.a.sites[4].active_tag.token}" not in page  # vacant
    assert browser.client.get(f"/areas/{world.b.area.id}/unvisited").status_code == 404


def test_the_daily_chart_draws_a_bar_for_each_day(world, browser):
    talk(world, 0, installs=2)
    browser.login("a-supervisor")
    page = browser.client.get(f"/areas/{world.a.area.id}").text
    chart = page.split('<figure class="chart">')[1].split("</figure>")[0]
    assert chart.count("<title>") == 30
    assert ": 1 / 2</title>" in chart


def test_resident_counts_follow_every_site_change_up_the_tree(world):
    from fieldapp.models import Site
    from fieldapp.site_counts import recount_site_differences

    assert (world.district.resident_households, world.district.residents) == (8, 24)
    site = world.a.sites[0]
    site.status = "moved_out"
    db.session.commit()
    assert (world.a.area.resident_households, world.district.resident_households) == (3, 7)
    world.a.sites[1].residents = 5
    db.session.add(Site(building_id=world.a.building.id, unit="1", floor=7, room="701", residents=2))
    db.session.commit()
    # 4 × 3 residents, one moved out (−3), one now 5 (+2), a new flat of 2: 4 households, 13 residents.
    assert (world.a.grid.resident_households, world.a.grid.residents) == (4, 13)
    db.session.delete(world.a.sites[2])
    db.session.commit()
    assert world.a.building.resident_households == 3
    assert area_totals(world.a.area).resident_households == 3
    assert recount_site_differences() == []


def test_a_station_page_shows_its_top_volunteers_and_every_one_on_a_paged_list(world, browser, monkeypatch):
    monkeypatch.setattr(area_people, "SHOWN", 1)
    monkeypatch.setattr(area_people, "PAGE_SIZE", 1)
    talk(world, 0, installs=1)
    talk(world, 1, installs=2, user=world.a.supervisor)
    browser.login("a-supervisor")
    page = browser.client.get(f"/areas/{world.a.area.id}").text
    section = page[page.index('id="teams-and-volunteers"') :]
    section = section[: section.index("</section>")]
    # The most installs first: the supervisor's 2 above the volunteer's 1, who is on the full list.
    assert "甲派出所负责人" in section and "甲派出所志愿者" not in section
    assert "显示前 1 名志愿者，共 2 名。" in section
    first_page = browser.client.get(f"/areas/{world.a.area.id}/people").text
    assert 'rel="next"' in first_page
    first = first_page[first_page.index("<table") : first_page.index("</table>")]
    second = browser.client.get(f"/areas/{world.a.area.id}/people?page=2").text
    second = second[second.index("<table") : second.index("</table>")]
    assert "甲派出所负责人" in first and "甲派出所志愿者" not in first
    assert "甲派出所志愿者" in second and "甲派出所负责人" not in second
    teams = browser.client.get(f"/areas/{world.a.area.id}/people?list=teams").text
    assert "甲派出所一队" in teams[teams.index("<table") : teams.index("</table>")]
    assert browser.client.get(f"/areas/{world.a.building.id}/people").status_code == 404
    assert browser.client.get(f"/areas/{world.b.area.id}/people").status_code in (403, 404)


def test_the_unvisited_list_pages_through_every_door_in_walking_order_once(world, browser, monkeypatch):
    """Paged by the buildings each page's doors are in: the pages, read one after another, are the whole list in
    walking order (building by building, then unit, floor, room), each door once."""
    import re

    from fieldapp.areas import routes
    from fieldapp.areas.services import add_area
    from fieldapp.areas.unvisited import WALK_ORDER, unvisited_sites
    from fieldapp.models import Site

    for name, rooms in (("2栋", 3), ("3栋", 1), ("4栋", 4)):
        building = add_area(world.a.grid, "building", name)
        for room in range(1, rooms + 1):
            db.session.add(Site(building=building, unit="1", floor=1, room=f"10{room}", residents=2))
    db.session.commit()
    doors = db.session.scalars(unvisited_sites(world.a.area).order_by(*WALK_ORDER)).all()
    expected = [f"{site.building.name} {site.door_label}" for site in doors]
    assert len(expected) > 8
    monkeypatch.setattr(routes, "UNVISITED_PAGE_SIZE", 3)
    browser.login("a-supervisor")
    url_first = f"/areas/{world.a.area.id}/unvisited"
    seen, url, pages = [], url_first, 0
    while url:  # as a team lead reads it: "Next" after "Next" until the last page, which has none
        html = browser.client.get(url).text
        seen += re.findall(r'<li><a class="crumb" href="[^"]*">([^<]+)</a>', html)
        following = re.search(r'rel="next" href="([^"]+)"', html)
        url, pages = following and following.group(1).replace("&amp;", "&"), pages + 1
    assert seen == expected
    assert pages == -(-len(expected) // 3)
    # A district's list is hundreds of pages: the pager says where you are, it does not link every page.
    assert html.count("unvisited?page=") == 1 and f"第 {pages} / {pages} 页" in html  # the last page: "Previous" only
    past_the_end = browser.client.get(f"/areas/{world.a.area.id}/unvisited?page={pages + 1}").text
    assert not re.findall(r'<li><a class="crumb"', past_the_end)
    # An old link past the end (the list shrank since) says so and leads back to the last page.
    assert f"已过最后一页（共 {pages} 页）" in past_the_end and 'rel="next"' not in past_the_end
    back = re.search(r'rel="prev" href="([^"]+)"', browser.client.get(f"{url_first}?page={pages + 5}").text)
    assert back.group(1).replace("&amp;", "&").endswith(f"page={pages}")
