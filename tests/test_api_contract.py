"""The API contract lives once: the models check each request, their limits are fieldapp.limits', the
document is generated from them, and what schemathesis found (a 405 without Allow, 68.0 as a count)
stays fixed."""

import uuid

import pytest

from fieldapp.api.openapi import openapi_document
from fieldapp.api.requests import TalliesQuery, VisitIn, WalkListQuery
from fieldapp.api.tokens import issue_token
from fieldapp.extensions import db
from fieldapp.limits import (
    ACCURACY_RANGE,
    BATCH_LIMIT,
    INT32_MAX,
    LAT_RANGE,
    LON_RANGE,
    MAX_COUNT,
    NOTE_MAX,
    SITE_COUNT_MAX,
    TAG_MAX,
    WALK_LIST_DEFAULT,
    WALK_LIST_LIMIT,
)


def test_the_document_takes_every_limit_from_fieldapp_limits():
    document = openapi_document()
    assert document["openapi"] == "3.1.0"
    visit = document["components"]["schemas"]["VisitIn"]
    fields = visit["properties"]
    assert visit["additionalProperties"] is False
    assert set(visit["required"]) == {"client_uuid", "tag", "outcome"}
    # The schema allows what a shop, enterprise or school may count; a household's MAX_COUNT is a rule (422).
    most = (SITE_COUNT_MAX, SITE_COUNT_MAX)
    assert (fields["people_reached"]["maximum"], fields["miniprogram_regs"]["maximum"]) == most
    assert str(MAX_COUNT) in fields["people_reached"]["description"]
    assert fields["note"]["maxLength"] == NOTE_MAX and fields["tag"]["maxLength"] == TAG_MAX
    for name, (low, high) in {"lat": LAT_RANGE, "lon": LON_RANGE, "accuracy_m": ACCURACY_RANGE}.items():
        number = next(choice for choice in fields[name]["anyOf"] if choice["type"] == "number")
        assert (number["minimum"], number["maximum"]) == (low, high), name
    batch = document["components"]["schemas"]["VisitBatchIn"]["properties"]["visits"]
    assert (batch["minItems"], batch["maxItems"]) == (1, BATCH_LIMIT)
    [limit] = document["paths"]["/walk-list"]["get"]["parameters"]
    assert limit["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": WALK_LIST_LIMIT,
        "default": WALK_LIST_DEFAULT,
    }
    area_id = document["paths"]["/areas/{area_id}/tallies"]["get"]["parameters"][0]
    assert area_id["schema"]["maximum"] == INT32_MAX


def test_every_model_refuses_fields_it_does_not_know():
    for model in (VisitIn, WalkListQuery, TalliesQuery):
        assert model.model_config["extra"] == "forbid", model.__name__


@pytest.fixture
def volunteer(world):
    _token, plain = issue_token(world.a.volunteer, "contract", world.admin)
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_a_method_the_api_does_not_take_is_a_405_that_says_which_it_does(client, volunteer):
    refused = client.delete("/api/v1/visits", headers=volunteer)
    assert refused.status_code == 405 and refused.get_json()["error"] == "method_not_allowed"
    assert set(refused.headers["Allow"].split(", ")) >= {"POST"}
    page = client.put("/login")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]


def test_a_count_sent_as_68_point_0_is_68_and_a_resend_as_68_is_the_same_visit(world, client, volunteer):
    """JSON Schema calls 68.0 an integer; schemathesis sent one and it was refused."""
    site = world.a.sites[0]
    visit = {"client_uuid": str(uuid.uuid4()), "tag": site.active_tag.token, "outcome": "talked"}
    first = client.post("/api/v1/visits", json={**visit, "people_reached": 2.0}, headers=volunteer)
    assert first.status_code == 201 and first.get_json()["visit"]["people_reached"] == 2
    again = client.post("/api/v1/visits", json={**visit, "people_reached": 2}, headers=volunteer)
    assert again.status_code == 200
    half = client.post("/api/v1/visits", json={**visit, "people_reached": 2.5}, headers=volunteer)
    assert half.status_code == 422 and set(half.get_json()["fields"]) == {"people_reached"}


def test_query_parameters_get_a_message_each_in_the_users_language(world, client, volunteer):
    tallies = f"/api/v1/areas/{world.a.area.id}/tallies"
    bad_day = client.get(f"{tallies}?from=20261101", headers=volunteer)
    assert bad_day.status_code == 422 and bad_day.get_json()["fields"] == {"from": "日期格式如 2026-11-23。"}
    backwards = client.get(f"{tallies}?from=2026-11-30&to=2026-11-01", headers={**volunteer, "Accept-Language": "en"})
    assert backwards.get_json()["fields"] == {"to": "The last day comes before the first."}
    period = client.get(f"{tallies}?from=2026-11-01&to=2026-11-30", headers=volunteer).get_json()
    assert (period["from"], period["to"]) == ("2026-11-01", "2026-11-30")
    unknown = client.get("/api/v1/walk-list?limit=5&colour=red", headers=volunteer)
    assert unknown.status_code == 422 and unknown.get_json()["fields"] == {"colour": "未知参数。"}
    assert len(client.get("/api/v1/walk-list?limit=1", headers=volunteer).get_json()["buildings"]) == 1


def test_a_batch_that_is_not_one_gets_the_same_message_as_before(client, volunteer):
    for body in ({"visits": [1]}, {"visits": [{}], "more": 1}, [], None):
        response = client.post("/api/v1/visits/batch", json=body, headers=volunteer)
        assert response.status_code == 422 and set(response.get_json()["fields"]) == {"visits"}, body


def test_a_visit_that_is_not_an_object_is_refused_as_a_whole(client, volunteer):
    response = client.post("/api/v1/visits", json=[1, 2], headers=volunteer)
    assert response.status_code == 422 and set(response.get_json()["fields"]) == {"body"}
