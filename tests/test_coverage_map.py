"""The coverage map (issue 17): an area's buildings colored by coverage and a day's visits with their flags, in
map.json and in the page's tables; only the area's own; nothing personal; tiles allowed by CSP on that page only;
WGS-84 ↔ GCJ-02 against published reference points."""

import pytest
from geopy.distance import geodesic

from fieldapp.areas.map import coverage_bucket
from fieldapp.coords import gcj02_to_wgs84, wgs84_to_gcj02
from fieldapp.extensions import db
from fieldapp.models import Visit
from fieldapp.security import tile_source
from fieldapp.trust.score import add_signal
from fieldapp.visits.clock import local_today
from tests.conftest import Browser
from tests.test_review import talk
from tests.test_security_web import csp_directives

TIANDITU = "https://t{s}.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=test-key"


def signed_in(client, username: str, language: str = "en") -> Browser:
    browser = Browser(client)
    browser.login(username)
    client.get(f"/lang/{language}")
    return browser


def map_data(client, area_id: int, **params) -> dict:
    response = client.get(f"/areas/{area_id}/map.json", query_string=params)
    assert response.status_code == 200, response.text
    return response.get_json()


def test_supervisor_sees_coverage_of_each_building_and_the_days_visits_with_their_flags(client, world):
    near = talk(world, world.a.sites[0])
    far = talk(world, world.a.sites[1], metres_north=400)
    add_signal(far, "burst", 30, {"visits": 12, "minutes": 10})
    db.session.commit()
    signed_in(client, "a-supervisor")

    data = map_data(client, world.a.area.id, day=local_today().isoformat())

    [building] = data["buildings"]
    assert building["id"] == world.a.building.id
    assert (building["covered"], building["households"]) == (2, 4)  # the vacant flat is no household to cover
    assert building["coverage"] == 50.0
    assert (building["lat"], building["lon"]) == (30.0, 120.0)  # no tile datum set: stored WGS-84 as it is
    visits = {visit["id"]: visit for visit in data["visits"]}
    assert set(visits) == {near.id, far.id}
    assert visits[near.id]["flags"] == [] and visits[near.id]["signals"] == []
    assert not visits[near.id]["looks_wrong"]
    assert [flag["code"] for flag in visits[far.id]["flags"]] == ["far", "rapid"]  # seconds after the near one
    assert visits[far.id]["flags"][0]["label"] == "Far from the door"
    # The planted burst, beside what recording a fix 400 m off raised by itself (too fast, outside the area).
    assert {"code": "burst", "label": "Many visits in minutes"} in visits[far.id]["signals"]
    assert visits[far.id]["score"] == db.session.get(Visit, far.id).trust_score < 100
    assert visits[far.id]["looks_wrong"]
    assert visits[far.id]["door"] == f"1号楼 Unit 1 · {world.a.sites[1].room}"
    assert visits[far.id]["lat"] > 30.0035  # the fix, ~400 m north of the door


def test_the_page_lists_the_same_without_javascript(client, world):
    far = talk(world, world.a.sites[1], metres_north=400)
    add_signal(far, "same_fix", 25)
    db.session.commit()
    signed_in(client, "a-supervisor")

    page = client.get(f"/areas/{world.a.area.id}/map")

    assert page.status_code == 200
    html = page.text
    assert f'id="building-{world.a.building.id}"' in html
    assert "1 / 4" in html and "25.0%" in html
    assert f'id="visit-{far.id}" class="flagged"' in html
    assert "Far from the door" in html
    assert "Same location on many doors" in html
    # The map itself needs JavaScript (without it, its box goes); map.js loads Leaflet once the page has painted.
    assert "css/map-nojs.css" in html.split("<noscript>")[1].split("</noscript>")[0]
    assert 'data-leaflet-js="/static/vendor/leaflet/leaflet.js?v=' in html


@pytest.mark.parametrize(
    ("covered", "households", "bucket"),
    [(0, 10, 0), (1, 10, 1), (4, 10, 1), (5, 10, 2), (7, 10, 2), (8, 10, 3), (9, 10, 3), (10, 10, 4), (0, 0, None)],
)
def test_coverage_buckets(covered, households, bucket):
    assert coverage_bucket(covered, households) == bucket


@pytest.mark.parametrize(("talks", "bucket"), [(0, 0), (1, 1), (2, 2), (3, 2), (4, 4)])
def test_buildings_are_colored_by_their_coverage(client, world, talks, bucket):
    for site in world.a.sites[:talks]:
        talk(world, site)
    signed_in(client, "a-supervisor")

    [building] = map_data(client, world.a.area.id)["buildings"]

    assert building["bucket"] == bucket
    row = client.get(f"/areas/{world.a.area.id}/map").text.split(f'id="building-{world.a.building.id}"')[1]
    assert row.split("</tr>")[0].count(f'class="swatch cov-{bucket}"') == 1


def test_a_station_sees_only_its_own_buildings_and_visits(app, client, world):
    ours = talk(world, world.a.sites[0])
    theirs = talk(world, world.b.sites[0], user=world.b.volunteer)
    signed_in(client, "a-supervisor")

    data = map_data(client, world.a.area.id)
    assert [building["id"] for building in data["buildings"]] == [world.a.building.id]
    assert [visit["id"] for visit in data["visits"]] == [ours.id]
    assert client.get(f"/areas/{world.b.area.id}/map").status_code == 404
    assert client.get(f"/areas/{world.b.area.id}/map.json").status_code == 404
    assert client.get(f"/areas/{world.b.building.id}/map.json").status_code == 404

    admin = app.test_client()
    signed_in(admin, "district-admin")
    data = map_data(admin, world.district.id)
    assert {building["id"] for building in data["buildings"]} == {world.a.building.id, world.b.building.id}
    assert {visit["id"] for visit in data["visits"]} == {ours.id, theirs.id}


def test_volunteers_see_coverage_but_not_where_anyone_walked(client, world):
    talk(world, world.a.sites[0])
    signed_in(client, "a-volunteer")

    data = map_data(client, world.a.area.id)

    assert data["buildings"][0]["covered"] == 1
    assert data["visits"] is None
    page = client.get(f"/areas/{world.a.area.id}/map").text
    assert 'name="day"' not in page and 'id="map-visits"' not in page


def test_no_personal_data_on_the_map(client, world):
    site = world.a.sites[0]
    site.householder = "欧阳明"
    site.contact_phone = "13912345678"
    db.session.commit()
    talk(world, site)
    talk(world, world.a.sites[1], metres_north=400)
    signed_in(client, "a-supervisor", "zh")

    for text in (
        client.get(f"/areas/{world.a.area.id}/map.json").text,
        client.get(f"/areas/{world.a.area.id}/map").text,
    ):
        for personal in ("欧阳", "13912345678", "139****5678", "5678", world.a.volunteer.display_name, "a-volunteer"):
            assert personal not in text


def test_tiles_are_allowed_on_the_map_page_only(app, client, world):
    signed_in(client, "a-supervisor")
    plain = client.get(f"/areas/{world.a.area.id}/map")
    assert csp_directives(plain)["img-src"] == ["'self'"]  # no tile setting: a plain background, nothing to allow
    assert "data-tiles" not in plain.text

    app.config.update(MAP_TILES=TIANDITU, MAP_TILES_SUBDOMAINS="01234567", MAP_TILES_ATTRIBUTION="© 天地图")
    with_tiles = client.get(f"/areas/{world.a.area.id}/map")
    assert csp_directives(with_tiles)["img-src"] == ["'self'", "https://*.tianditu.gov.cn"]
    assert csp_directives(with_tiles)["script-src"] == ["'self'"]
    assert 'data-subdomains="01234567"' in with_tiles.text
    token = world.a.sites[0].active_tag.token
    for other in (f"/areas/{world.a.area.id}", f"/h/{token}", f"/areas/{world.a.area.id}/map.json", "/today"):
        response = client.get(other)
        assert response.status_code == 200, other
        assert csp_directives(response)["img-src"] == ["'self'"], other


def test_a_gcj02_tile_source_moves_points_onto_its_streets(app, client, world):
    app.config.update(MAP_TILES="https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}", MAP_TILES_CRS="gcj02")
    signed_in(client, "a-supervisor")

    data = map_data(client, world.a.area.id)

    assert data["crs"] == "gcj02"
    building = data["buildings"][0]
    assert (building["lat"], building["lon"]) == pytest.approx(wgs84_to_gcj02(30.0, 120.0))
    assert geodesic((building["lat"], building["lon"]), (30.0, 120.0)).m > 100
    assert "https://*.is.autonavi.com" in csp_directives(client.get(f"/areas/{world.a.area.id}/map"))["img-src"]


def test_an_unknown_tile_datum_draws_on_a_plain_background(app, client, world):
    app.config.update(MAP_TILES=TIANDITU, MAP_TILES_CRS="bd09")
    signed_in(client, "a-supervisor")
    page = client.get(f"/areas/{world.a.area.id}/map")
    assert "data-tiles" not in page.text
    assert csp_directives(page)["img-src"] == ["'self'"]


def test_a_day_that_is_not_a_date_is_said_so(client, world):
    signed_in(client, "a-supervisor")
    data = client.get(f"/areas/{world.a.area.id}/map.json?day=2026-13-45")
    assert data.status_code == 400
    assert data.get_json()["message"] == "Give the day as a date, e.g. 2026-05-01."
    page = client.get(f"/areas/{world.a.area.id}/map?day=yesterday")
    assert page.status_code == 200
    assert "Give the day as a date, e.g. 2026-05-01." in page.text
    assert f'value="{local_today().isoformat()}"' in page.text


def test_the_area_page_opens_its_map(client, world):
    signed_in(client, "a-volunteer")
    page = client.get(f"/areas/{world.a.grid.id}").text
    assert f'href="/areas/{world.a.grid.id}/map"' in page


@pytest.mark.parametrize(
    "template",
    [
        TIANDITU,
        "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}",
        "https://tiles.example.cn/{z}/{x}/{y}",
    ],
)
def test_tile_source_is_the_host_of_the_template(template):
    expected = {
        TIANDITU: "https://*.tianditu.gov.cn",
        "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}": "https://*.is.autonavi.com",
        "https://tiles.example.cn/{z}/{x}/{y}": "https://tiles.example.cn",
    }[template]
    assert tile_source(template) == expected
    assert tile_source("javascript:alert(1)//{z}") is None


# --- WGS-84 ↔ GCJ-02 ---------------------------------------------------------------------------------------------

#: (WGS-84 lat, lon, GCJ-02 lat, lon) as published: the first three are the test vectors of eviltransform
#: (github.com/googollee/eviltransform, python/test.py: Shanghai, Shenzhen, Beijing), the last the example of
#: wandergis/coordtransform's README (wgs84togcj02(116.404, 39.915)).
REFERENCE_POINTS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
    (39.915, 116.404, 39.91640428150164, 116.41024449916938),
]


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), REFERENCE_POINTS)
def test_wgs84_to_gcj02_matches_published_points_within_half_a_metre(wgs_lat, wgs_lon, gcj_lat, gcj_lon):
    assert geodesic(wgs84_to_gcj02(wgs_lat, wgs_lon), (gcj_lat, gcj_lon)).m < 0.5
    assert geodesic((wgs_lat, wgs_lon), (gcj_lat, gcj_lon)).m > 100  # the offset the conversion exists for


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), REFERENCE_POINTS)
def test_gcj02_back_to_wgs84_within_half_a_metre(wgs_lat, wgs_lon, gcj_lat, gcj_lon):
    assert geodesic(gcj02_to_wgs84(gcj_lat, gcj_lon), (wgs_lat, wgs_lon)).m < 0.5


@pytest.mark.parametrize(("lat", "lon"), [(51.5074, -0.1278), (35.6812, 139.7671), (-33.8688, 151.2093)])
def test_points_outside_china_are_unchanged(lat, lon):
    assert wgs84_to_gcj02(lat, lon) == (lat, lon)
    assert gcj02_to_wgs84(lat, lon) == (lat, lon)
