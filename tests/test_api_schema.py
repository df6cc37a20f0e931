"""schemathesis: generated requests, valid and not, against /api/v1/openapi.json, with every check it has
(as `--checks all`): no 5xx, every answer matches the document, what it forbids is refused, what it allows
is accepted unless it breaks a rule the descriptions state. Runs on SQLite and on PostgreSQL."""

import contextvars
import os
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks, positive_data_acceptance

from fieldapp.api.tokens import issue_token
from fieldapp.extensions import db
from fieldapp.limits import EXTRA_PEOPLE_ALLOWED
from fieldapp.models import VISIT_COUNTS
from tests.factories import make_world

load_all_checks()
#: Every check schemathesis has, as `st run --checks all`: a new one arrives with an upgrade, unasked.
ALL_CHECKS = list(CHECKS.get_all())


def breaks_a_stated_rule(case, residents: dict[str, int]) -> bool:
    """Valid by the document, yet refused (422) by a rule its descriptions state: JSON Schema cannot
    compare two values, so these are the known exceptions to positive_data_acceptance (README "API")."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return False  # negative data: the check that applies is negative_data_rejection
    query = case.query or {}
    if isinstance(query.get("from"), str) and isinstance(query.get("to"), str) and query["from"] > query["to"]:
        return True
    if case.path == "/warnings":
        return any(breaks_a_warning_rule(item) for item in (case.body if isinstance(case.body, list) else [case.body]))
    visit = case.body if isinstance(case.body, dict) and "tag" in case.body else None
    if visit is None:
        return False
    if any((visit.get("program_regs") or {}).values()):
        return True  # only the district's active mini-programs: the test district keeps none
    counts = {name: visit.get(name, 0) for name in VISIT_COUNTS}
    if any(counts[name] > counts["people_reached"] for name in VISIT_COUNTS[1:]):
        return True
    if counts["people_reached"] > residents.get(visit["tag"], 0) + EXTRA_PEOPLE_ALLOWED:
        return True
    return (visit.get("lat") is None) != (visit.get("lon") is None)


def breaks_a_warning_rule(warning) -> bool:
    """A warning's stated rules: received at most 10 minutes ahead of the server; a door code of the key holder's
    area (generated codes are on no door)."""
    if not isinstance(warning, dict):
        return False
    if warning.get("door_code") is not None:
        return True
    received = datetime.fromisoformat(warning["received_at"])
    return received.tzinfo is None or received > datetime.now(UTC) + timedelta(minutes=9)


@pytest.fixture
def api_schema(app):
    def isolated(environ, start_response):
        # Each request in its own context, as under a real server (see IsolatedClient in conftest).
        return contextvars.Context().run(lambda: list(app(environ, start_response)))

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated)


@pytest.fixture
def world_tags(app):
    """A volunteer's token, the tags of their station's doors with each door's residents, and some areas."""
    world = make_world()
    _token, plain = issue_token(world.a.volunteer, "schemathesis", world.admin)
    _token, feed = issue_token(world.a.supervisor, "schemathesis feed", world.admin, scope="warnings")
    db.session.commit()
    areas = [world.a.area.id, world.a.building.id, world.b.area.id]
    residents = {site.active_tag.token: site.residents for site in world.a.sites}
    return {"Authorization": f"Bearer {plain}"}, residents, areas, {"Authorization": f"Bearer {feed}"}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
# Locally each run explores new examples; in CI the examples are fixed, so a run is repeatable.
@settings(
    max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=os.environ.get("CI") == "true"
)
def test_the_api_keeps_to_its_document(case, world_tags):
    bearer, residents, areas, feed = world_tags
    if case.path == "/warnings":
        bearer = feed  # the platform's key: a volunteer's would be refused (403) whatever it sent
    tags = list(residents)
    area_id = (case.path_parameters or {}).get("area_id")
    if isinstance(area_id, int) and 0 < area_id <= 2**31 - 1 and area_id % 4 != 3:  # only valid ids
        case.path_parameters["area_id"] = areas[area_id % len(areas)]
    # Generated tokens match no door (404); put real doors in most visits so that storing, resending
    # and refusing (201, 200, 409, 422) are exercised too.
    visits = [case.body] if isinstance(case.body, dict) else []
    if isinstance(case.body, dict) and isinstance(case.body.get("visits"), list):
        visits = case.body["visits"]
    for n, visit in enumerate(visits):
        tag = visit.get("tag") if isinstance(visit, dict) else None
        if isinstance(tag, str) and 0 < len(tag) <= 32 and n % 4 != 3:  # only where the tag was valid
            visit["tag"] = tags[len(visit["tag"]) % len(tags)]
    stated = breaks_a_stated_rule(case, residents)
    # Uncompressed: schemathesis's WSGI transport does not decode a compressed body (a real client does).
    case.call_and_validate(
        headers={**bearer, "Accept-Encoding": "identity"},
        checks=ALL_CHECKS,
        excluded_checks=[positive_data_acceptance] if stated else None,
    )
