"""No 500 on malformed input, as a class (issue 13): every GET route with hostile ids and query parameters,
and JSON bodies that are nested too deeply or are not objects. On both databases."""

import re

import pytest

from fieldapp.api.tokens import issue_token
from fieldapp.extensions import db
from tests.conftest import Browser
from tests.factories import test_campaign as world_campaign

#: An id that no INTEGER column holds (PostgreSQL refuses it; SQLite's driver overflows past 2**63).
HUGE = "99999999999999999999"
#: What a query parameter may be sent as by a careless client or a hostile one.
HOSTILE_VALUES = ["", "abc", HUGE, "-" + HUGE, "%00", "%FF"]
#: Every query parameter a page reads (and a few it does not); the API refuses unknown ones with 422.
QUERY_NAMES = [
    "page",
    "area",
    "from",
    "to",
    "period",
    "week",
    "show",
    "site",
    "blank",
    "tick",
    "c",
    "limit",
    "next",
    "campaign",
    "kind",
]
#: Answers that serve files or the app shell, with no database behind their parameters.
SKIPPED = {"static"}
ANY_CONVERTER = re.compile(r"<any\(([^)]*)\):(\w+)>")
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def valid_values(world) -> dict[str, object]:
    site = world.a.sites[0]
    return {
        "area_id": world.a.building.id,
        "building_id": world.a.building.id,
        "site_id": site.id,
        "tag_id": site.active_tag.id,
        "token": site.active_tag.token,
        "user_id": world.a.volunteer.id,
        "team_id": world.a.team.id,
        "program_id": 1,
        "group_id": 1,
        "visit_id": 1,
        "event_id": 1,
        "warning_id": 1,
        "check_id": 1,
        "round_id": 1,
        "job_id": "0" * 32,
        "name": "labels.pdf",
        "size": 192,
        "code": "en",
        "campaign_id": world_campaign().id,
    }


def url_for_rule(rule: str, values: dict, hostile: bool) -> str:
    """`rule` with each argument filled in: the world's own ids, or hostile ones (20 digits, a NUL, 300 letters)."""
    rule = ANY_CONVERTER.sub(lambda m: m.group(1).split(",")[0].strip(), rule)

    def fill(match):
        converter, name = match.group(1), match.group(2)
        if hostile:
            return HUGE if converter == "int" else ("%00" if name == "token" else "x" * 300)
        return str(values[name])

    return ARGUMENT.sub(fill, rule)


@pytest.fixture(params=["supervisor", "admin"])
def hostile_user(request, client, world):
    user = world.admin if request.param == "admin" else world.a.supervisor
    Browser(client).login(user.username)
    return user


# Every GET route as a supervisor and as an admin on SQLite; on PostgreSQL (where a number beyond an integer
# column is an error rather than no row) as the admin, who reaches every route a supervisor does and more:
# the walk grows with each route, and both on both databases cost CI a minute and a half.
@pytest.mark.parametrize(
    ("database_uri", "role"),
    [("sqlite", "supervisor"), ("sqlite", "admin"), ("postgresql", "admin")],
    indirect=["database_uri"],
)
def test_no_get_route_answers_5xx_to_hostile_ids_or_parameters(app, client, world, role):
    Browser(client).login(world.admin.username if role == "admin" else world.a.supervisor.username)
    # Without it, printing tags on PostgreSQL is refused with a 503 on purpose (issue 13: never a Host header).
    app.config["BASE_URL"] = "https://fz.example.gov.cn"
    values = valid_values(world)
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint not in SKIPPED]
    assert len(rules) > 30
    failures = []
    for rule in sorted(rules, key=lambda r: r.rule):
        urls = [url_for_rule(rule.rule, values, hostile=True)]
        base = url_for_rule(rule.rule, values, hostile=False)
        # Every value in every parameter at once, then the out-of-range numbers one parameter at a time (so that
        # one parameter's refusal cannot hide what another does with a number no column holds).
        urls += [f"{base}?" + "&".join(f"{name}={value}" for name in QUERY_NAMES) for value in HOSTILE_VALUES]
        urls += [f"{base}?{name}={HUGE}" for name in QUERY_NAMES]  # (-HUGE is in the all-at-once set above)
        for url in urls:
            response = client.get(url)
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {url}")
            response.close()
    assert not failures, "\n".join(failures)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("path", ["/api/v1/visits", "/api/v1/visits/batch"])
@pytest.mark.parametrize(
    "body",
    [
        nested(100_000),
        '{"visits": ' + nested(100_000) + "}",
        '{"tag": ' + "{" * 50_000 + "}",  # not even valid: still a clean refusal
        "[]",
        '"a visit"',
        "42",
        "null",
        "{",
        "\xff\xfe",
    ],
    ids=["deep-list", "deep-in-object", "deep-invalid", "list", "string", "number", "null", "truncated", "not-utf8"],
)
def test_api_refuses_malformed_json_bodies_with_a_json_answer(client, world, path, body):
    _token, secret = issue_token(world.a.volunteer, "test client", world.admin)
    db.session.commit()
    response = client.post(
        path,
        data=body.encode("utf-8", "surrogateescape"),
        headers={"Authorization": f"Bearer {secret}"},
        content_type="application/json",
    )
    assert response.status_code in (400, 422), response.text[:200]
    assert response.is_json and "error" in response.get_json()


def test_a_nul_in_a_json_string_or_a_form_is_refused_not_a_500(client, world):
    _token, secret = issue_token(world.a.volunteer, "test client", world.admin)
    db.session.commit()
    site = world.a.sites[0]
    body = (
        '{"client_uuid": "8d6f3f9e-0c1a-4d5e-9a53-2f1f7f0b8a11", "tag": "%s", "outcome": "talked", "note": "a\\u0000b"}'
    )
    response = client.post(
        "/api/v1/visits",
        data=body % site.active_tag.token,
        headers={"Authorization": f"Bearer {secret}"},
        content_type="application/json",
    )
    assert response.status_code == 422 and "note" in response.get_json()["fields"]
    browser = Browser(client)
    browser.login(world.a.volunteer.username)
    assert browser.post(f"/h/{site.active_tag.token}", {"outcome": "talked", "note": "a\x00b"}).status_code == 400


def test_ids_and_pages_beyond_an_integer_column(client, world, hostile_user):
    assert client.get(f"/areas/{HUGE}").status_code == 404
    assert client.get("/areas/2147483648").status_code == 404
    assert client.get(f"/areas/{world.a.area.id}").status_code == 200
    assert client.get(f"/log?page={HUGE}").status_code == 200
    assert client.get(f"/areas/{world.a.building.id}/unvisited?page={HUGE}").status_code == 200
