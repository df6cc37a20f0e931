"""The OpenAPI 3.1 document of /api/v1, generated: the schemas come from the request and response models
(fieldapp.api.requests, fieldapp.api.responses); this module only lists the paths and what each answers.

3.1 because it takes the models' JSON Schema (2020-12) as it is, `"type": ["number", "null"]` included;
3.0 would need every optional value rewritten with `nullable`.
"""

from functools import cache

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from fieldapp.api import requests as rq
from fieldapp.api import responses as rs
from fieldapp.api import warning_requests
from fieldapp.limits import BATCH_LIMIT, INT32_MAX

REF = "#/components/schemas/{model}"


class WithoutTitles(GenerateJsonSchema):
    """Leave out the "title" pydantic derives from each field's name: it restates the name, and bloats the document."""

    def field_title_should_be_set(self, schema) -> bool:
        return False


def answer(description: str, model: type[BaseModel]) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref(model)}}}


def ref(model: type[BaseModel]) -> dict:
    return {"$ref": REF.format(model=model.__name__)}


def query(model: type[rq.Request]) -> list[dict]:
    """A query model's fields as OpenAPI parameters (the model refuses any other, as the route does)."""
    parameters = []
    for name, field in model.model_json_schema(schema_generator=WithoutTitles)["properties"].items():
        description = field.pop("description", None)
        if field.get("default", 0) is None:
            del field["default"]  # "not given", not a null a client could send
        parameters.append({"name": name, "in": "query", "schema": field})
        if description:
            parameters[-1]["description"] = description
    return parameters


def body(model: type[rq.Request]) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(model)}}}


SIGNED_IN = {
    "401": answer("Not signed in, or the token is unknown or revoked.", rs.Error),
    "429": answer("Too many requests; wait and retry.", rs.Error),
}
WRITE = {
    **SIGNED_IN,
    "400": answer("A write signed in by cookie came without a valid X-CSRFToken header.", rs.Error),
    "413": answer("The request body is too large.", rs.Error),
}
NOT_VALID = {"422": answer("A field or parameter is not valid: a message for each; nothing stored.", rs.Invalid)}

PATHS = {
    "/session": {
        "get": {
            "operationId": "getSession",
            "summary": "Who is signed in, and a CSRF token for cookie-signed writes.",
            "responses": {"200": answer("The signed-in user.", rs.Session), **NOT_VALID, **SIGNED_IN},
        }
    },
    "/visits": {
        "post": {
            "operationId": "postVisit",
            "summary": "Record one visit.",
            "requestBody": body(rq.VisitIn),
            "responses": {
                "201": answer("Stored now and counted in every tally above the door.", rs.Recorded),
                "200": answer("Stored before with the same content: nothing changed.", rs.Recorded),
                "404": answer("No such door tag in your area.", rs.Error),
                "409": answer("This client_uuid already stored a different visit.", rs.Conflict),
                **NOT_VALID,
                **WRITE,
            },
        }
    },
    "/visits/batch": {
        "post": {
            "operationId": "postVisits",
            "summary": f"Record up to {BATCH_LIMIT} visits, each on its own, e.g. a phone's outbox.",
            "requestBody": body(rq.VisitBatchIn),
            "responses": {
                "200": answer("One result per visit, in order.", rs.BatchResults),
                **NOT_VALID,
                **WRITE,
            },
        }
    },
    "/warnings": {
        "post": {
            "operationId": "postWarnings",
            "summary": f"Receive the platform's warnings (预警): one WarningIn, or a list of 1 to {BATCH_LIMIT}.",
            "description": "All or nothing: one refused warning and none is stored (422, each problem on its field, "
            "`2.phone` for the third of a list). Each is stored once per `external_id` and routed as an imported "
            "warning is. Needs a key with the `warnings` scope (or a supervisor's or admin's session); a "
            "volunteer's or lead's answers 403.",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                ref(warning_requests.WarningIn),
                                {
                                    "type": "array",
                                    "items": ref(warning_requests.WarningIn),
                                    "minItems": 1,
                                    "maxItems": BATCH_LIMIT,
                                },
                            ]
                        }
                    }
                },
            },
            "responses": {
                "201": answer("Stored now (some or all), routed and assigned.", rs.WarningsStored),
                "200": answer("Every one was stored before under its external_id: nothing changed.", rs.WarningsStored),
                "403": answer("This key's scope, or the user's role, does not receive warnings.", rs.Error),
                **NOT_VALID,
                **WRITE,
            },
        }
    },
    "/walk-list": {
        "get": {
            "operationId": "getWalkList",
            "summary": "My buildings, most doors left first, with each door's tag (kept by the phone offline).",
            "parameters": query(rq.WalkListQuery),
            "responses": {"200": answer("The walk list.", rs.WalkList), **NOT_VALID, **SIGNED_IN},
        }
    },
    "/areas/{area_id}/tallies": {
        "get": {
            "operationId": "getAreaTallies",
            "summary": "An area's figures and each of its parts', over the campaign or between two days.",
            "description": "`to` may not come before `from` (422): JSON Schema cannot compare two parameters.",
            "parameters": [
                {
                    "name": "area_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
                },
                *query(rq.TalliesQuery),
            ],
            "responses": {
                "200": answer("The area's tallies.", rs.AreaTallies),
                "404": answer("Not found, or not in your area.", rs.Error),
                **NOT_VALID,
                **SIGNED_IN,
            },
        }
    },
}

#: Bodies the API reads, and bodies it answers with: each becomes a component schema.
READ = (rq.VisitIn, rq.VisitBatchIn, warning_requests.WarningIn)
ANSWERED = (
    rs.Error,
    rs.Invalid,
    rs.Recorded,
    rs.Conflict,
    rs.BatchResults,
    rs.Session,
    rs.AreaTallies,
    rs.WalkList,
    rs.WarningsStored,
)


@cache
def openapi_document() -> dict:
    _keys, schemas = models_json_schema(
        [(model, "validation") for model in READ] + [(model, "serialization") for model in ANSWERED],
        ref_template=REF,
        schema_generator=WithoutTitles,
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fieldapp API",
            "version": "1",
            "description": "Record door visits (idempotent by client_uuid), receive the platform's warnings "
            "(idempotent by external_id), read the walk list and area tallies. "
            "Sign in with the session cookie (writes then need X-CSRFToken from GET /session) or with "
            "`Authorization: Bearer <token>` issued by an admin.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "A token issued by an admin."},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
            "schemas": schemas["$defs"],
        },
    }
