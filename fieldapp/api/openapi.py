"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json and checked by schemathesis in the tests."""

from functools import cache

from fieldapp.limits import INT32_MAX, MAX_COUNT
from fieldapp.models import OUTCOMES, VISIT_COUNTS


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def response(description: str, schema_name: str) -> dict:
    return {"description": description, **json_content(ref(schema_name))}


def nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


ERRORS = {
    "401": response("Not signed in, or the token is unknown or revoked.", "Error"),
    "429": response("Too many requests; wait and retry.", "Error"),
}
WRITE_ERRORS = {
    **ERRORS,
    "400": response("A write signed in by cookie came without a valid X-CSRFToken header.", "Error"),
    "413": response("The request body is too large.", "Error"),
}

COUNT = {"type": "integer", "minimum": 0, "maximum": MAX_COUNT, "default": 0}
MOMENT = nullable({"type": "string", "format": "date-time", "example": "2026-11-23T09:30:00+08:00"})

VISIT_IN = {
    "type": "object",
    "additionalProperties": False,
    "required": ["client_uuid", "tag", "outcome"],
    "properties": {
        "client_uuid": {
            "type": "string",
            "format": "uuid",
            "description": "Made on the phone when the visit is recorded. Sending it again is safe: "
            "with the same content the stored visit is returned (200); with other content, 409.",
        },
        "tag": {"type": "string", "minLength": 1, "maxLength": 32, "description": "The door tag's token."},
        "outcome": {"type": "string", "enum": list(OUTCOMES)},
        **{name: {**COUNT, "description": "Only a talk (outcome talked) may count people."} for name in VISIT_COUNTS},
        "notice_signed": {"type": "boolean", "default": False},
        "receipt_collected": {"type": "boolean", "default": False},
        "note": {"type": "string", "maxLength": 500, "default": ""},
        "lat": nullable({"type": "number", "minimum": -90, "maximum": 90}),
        "lon": nullable({"type": "number", "minimum": -180, "maximum": 180}),
        "accuracy_m": nullable({"type": "number", "minimum": 0, "maximum": 1_000_000}),
        "device_time": {**MOMENT, "description": "The phone's clock when the visit was recorded."},
        "sent_at": {
            **MOMENT,
            "description": "The phone's clock when this request was sent. With the server's clock it measures "
            "how far off the phone's clock is; more than 10 minutes is flagged for review, never refused.",
        },
    },
}

VISIT = {
    "type": "object",
    "required": ["id", "client_uuid", "site_id", "outcome", "day", "server_time", "review_status"],
    "properties": {
        "id": {"type": "integer"},
        "client_uuid": {"type": "string"},
        "site_id": {"type": "integer"},
        "outcome": {"type": "string", "enum": list(OUTCOMES)},
        **{name: {"type": "integer", "minimum": 0} for name in VISIT_COUNTS},
        "notice_signed": {"type": "boolean"},
        "receipt_collected": {"type": "boolean"},
        "note": {"type": "string"},
        "day": {"type": "string", "format": "date", "description": "The working day the visit counts for."},
        "device_time": nullable({"type": "string", "format": "date-time"}),
        "server_time": {"type": "string", "format": "date-time"},
        "clock_skewed": {"type": "boolean"},
        "gps_flags": {"type": "array", "items": {"type": "string", "enum": ["missing", "inaccurate", "far"]}},
        "distance_m": nullable({"type": "number"}),
        "review_status": {"type": "string", "enum": ["pending", "approved", "has_issues", "rejected"]},
        "counts_in_tallies": {"type": "boolean"},
    },
}

TOTALS = {
    "type": "object",
    "required": ["resident_households", "residents", "visits", "households_covered", "app_installs"],
    "properties": {
        "resident_households": {"type": "integer"},
        "residents": {"type": "integer"},
        **{
            name: {"type": "integer"}
            for name in (
                "visits",
                "talked",
                "households_covered",
                *VISIT_COUNTS,
                "notices_signed",
                "receipts_collected",
            )
        },
        "coverage_percent": nullable({"type": "number", "description": "入户率"}),
        "realname_per_10k": nullable({"type": "number", "description": "万人实名注册率"}),
        "targets": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
}

AREA = {
    "type": "object",
    "required": ["id", "name", "level"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "level": {"type": "string"}},
}


@cache
def openapi_document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "fieldapp API",
            "version": "1",
            "description": "Record door visits (idempotent by client_uuid), read the walk list and area tallies. "
            "Sign in with the session cookie (writes then need X-CSRFToken from GET /session) or with "
            "`Authorization: Bearer <token>` issued by an admin.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
        "paths": {
            "/session": {
                "get": {
                    "operationId": "getSession",
                    "summary": "Who is signed in, and a CSRF token for cookie-signed writes.",
                    "responses": {
                        "200": response("The signed-in user.", "Session"),
                        "422": response("An unknown query parameter.", "Invalid"),
                        **ERRORS,
                    },
                }
            },
            "/visits": {
                "post": {
                    "operationId": "postVisit",
                    "summary": "Record one visit.",
                    "requestBody": {"required": True, **json_content(ref("VisitIn"))},
                    "responses": {
                        "201": response("Stored now and counted in every tally above the door.", "Recorded"),
                        "200": response("Stored before with the same content: nothing changed.", "Recorded"),
                        "404": response("No such door tag in your area.", "Error"),
                        "409": response("This client_uuid already stored a different visit.", "Conflict"),
                        "422": response("Invalid fields, each with a message; nothing stored.", "Invalid"),
                        **WRITE_ERRORS,
                    },
                }
            },
            "/visits/batch": {
                "post": {
                    "operationId": "postVisits",
                    "summary": "Record up to 100 visits, each on its own, e.g. a phone's outbox.",
                    "requestBody": {
                        "required": True,
                        **json_content(
                            {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["visits"],
                                "properties": {
                                    "visits": {
                                        "type": "array",
                                        "minItems": 1,
                                        "maxItems": 100,
                                        # Each visit is checked on its own (a VisitIn), so that one bad
                                        # visit does not hold back the others; its result says why.
                                        "items": {"type": "object", "description": "A VisitIn."},
                                    }
                                },
                            }
                        ),
                    },
                    "responses": {
                        "200": response("One result per visit, in order.", "BatchResults"),
                        "422": response("Not a batch of 1 to 100 visits.", "Invalid"),
                        **WRITE_ERRORS,
                    },
                }
            },
            "/walk-list": {
                "get": {
                    "operationId": "getWalkList",
                    "summary": "My buildings, most doors left first, with each door's tag (kept by the phone offline).",
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 30},
                        }
                    ],
                    "responses": {
                        "200": response("The walk list.", "WalkList"),
                        "422": response("A parameter is not valid.", "Invalid"),
                        **ERRORS,
                    },
                }
            },
            "/areas/{area_id}/tallies": {
                "get": {
                    "operationId": "getAreaTallies",
                    "summary": "An area's figures and each of its parts', over the campaign or between two days.",
                    "parameters": [
                        {
                            "name": "area_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
                        },
                        {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                        {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
                    ],
                    "responses": {
                        "200": response("The area's tallies.", "AreaTallies"),
                        "404": response("Not found, or not in your area.", "Error"),
                        "422": response("A parameter is not valid.", "Invalid"),
                        **ERRORS,
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "A token issued by an admin."},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
                },
                "Invalid": {
                    "type": "object",
                    "required": ["error", "message", "fields"],
                    "properties": {
                        "error": {"type": "string", "enum": ["invalid"]},
                        "message": {"type": "string"},
                        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                },
                "Conflict": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string", "enum": ["conflict"]},
                        "message": {"type": "string"},
                        "visit": ref("Visit"),
                    },
                },
                "VisitIn": VISIT_IN,
                "Visit": VISIT,
                "Recorded": {
                    "type": "object",
                    "required": ["created", "visit"],
                    "properties": {"created": {"type": "boolean"}, "visit": ref("Visit")},
                },
                "BatchResults": {
                    "type": "object",
                    "required": ["results"],
                    "properties": {
                        "results": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["index", "status"],
                                "properties": {
                                    "index": {"type": "integer"},
                                    "client_uuid": {"nullable": True},
                                    "status": {"type": "integer", "enum": [200, 201, 404, 409, 422]},
                                    "created": {"type": "boolean"},
                                    "visit": ref("Visit"),
                                    "error": {"type": "string"},
                                    "message": {"type": "string"},
                                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                                },
                            },
                        }
                    },
                },
                "Session": {
                    "type": "object",
                    "required": ["user", "csrf_token", "server_time"],
                    "properties": {
                        "user": {
                            "type": "object",
                            "required": ["id", "username", "role", "area"],
                            "properties": {
                                "id": {"type": "integer"},
                                "username": {"type": "string"},
                                "display_name": {"type": "string"},
                                "role": {"type": "string"},
                                "area": ref("Area"),
                            },
                        },
                        "csrf_token": {"type": "string"},
                        "server_time": {"type": "string", "format": "date-time"},
                    },
                },
                "Area": AREA,
                "Totals": TOTALS,
                "AreaTallies": {
                    "type": "object",
                    "required": ["area", "totals", "children"],
                    "properties": {
                        "area": ref("Area"),
                        "from": nullable({"type": "string", "format": "date"}),
                        "to": nullable({"type": "string", "format": "date"}),
                        "totals": ref("Totals"),
                        "children": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["area", "totals"],
                                "properties": {"area": ref("Area"), "totals": ref("Totals")},
                            },
                        },
                    },
                },
                "WalkList": {
                    "type": "object",
                    "required": ["generated_at", "buildings"],
                    "properties": {
                        "generated_at": {"type": "string", "format": "date-time"},
                        "buildings": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id", "name", "sites"],
                                "properties": {
                                    "id": {"type": "integer"},
                                    "name": {"type": "string"},
                                    "parent": {"type": "string"},
                                    "resident_households": {"type": "integer"},
                                    "households_covered": {"type": "integer"},
                                    "sites": {"type": "array", "items": ref("WalkSite")},
                                },
                            },
                        },
                    },
                },
                "WalkSite": {
                    "type": "object",
                    "required": ["id", "tag", "door"],
                    "properties": {
                        "id": {"type": "integer"},
                        "tag": nullable({"type": "string"}),
                        "short_code": nullable({"type": "string"}),
                        "door": {"type": "string"},
                        "unit": {"type": "string"},
                        "floor": nullable({"type": "integer"}),
                        "room": {"type": "string"},
                        "kind": {"type": "string"},
                        "status": {"type": "string"},
                        "residents": {"type": "integer"},
                        "last_outcome": nullable({"type": "string", "enum": [*OUTCOMES, None]}),
                    },
                },
            },
        },
    }
