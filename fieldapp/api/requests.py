"""What a client may send to /api/v1, described once: pydantic models that both check each request and
generate its part of the OpenAPI document. Every limit comes from fieldapp.limits, as the pages' forms'.

Each field carries, as `Says(...)`, the message a client gets when that field is refused, so a
ValidationError turns into our `{field: message in the user's language}` without a second table.
"""

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from flask_babel import lazy_gettext as _l
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from fieldapp.limits import (
    ACCURACY_RANGE,
    BATCH_LIMIT,
    EXTRA_PEOPLE_ALLOWED,
    LAT_RANGE,
    LON_RANGE,
    MAX_COUNT,
    NOTE_MAX,
    PROGRAMS_PER_VISIT_MAX,
    SITE_COUNT_MAX,
    TAG_MAX,
    WALK_LIST_DEFAULT,
    WALK_LIST_LIMIT,
)
from fieldapp.models import OUTCOMES, VISIT_COUNTS

#: What a visit records besides its counts; like them, only a talk may set them.
FLAGS = ("notice_signed", "receipt_collected")


#: Text fields hold no NUL: PostgreSQL's text cannot store it (stated in the schema, refused per field with 422).
NO_NUL = r"^[^\x00]*$"


class Says:
    """The message a refused field gets (Annotated metadata, read by `problems`; pydantic ignores it)."""

    def __init__(self, message):
        self.message = message


def utc_moment(value: Any) -> datetime | None:
    """An ISO 8601 moment with its offset, as naive UTC (what every DateTime column stores)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("not a string")  # pydantic would take a number as a Unix time
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("no offset")
    try:
        return moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError as error:  # 0001-01-01T00:00:00+08:00 is before the first UTC moment
        raise ValueError("out of range") from error


def integral(value: Any) -> Any:
    """A float with nothing after the point, as the integer it is; anything else as it came."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def iso_day(value: Any) -> date:
    """YYYY-MM-DD only: Python's fromisoformat also takes 20261123 and 2026-W48-1, which the document does not."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("not a date")
    return date.fromisoformat(value)


def whole_number(value: Any) -> int:
    """ASCII digits only: int() also takes " 5", "+5", "5_0" and "¹"-like digits, which a query should not."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 6:
        return int(value)
    raise ValueError("not a whole number")


COUNT_SAYS = Says(_l("Enter a whole number from 0 to %(max)d.", max=SITE_COUNT_MAX))
# JSON Schema calls 68.0 an integer, so it is taken as 68 (found by schemathesis); 68.5, true and "68" are not.
# The schema allows what a school or shop may count; a household is held to MAX_COUNT by the rules (422).
Count = Annotated[StrictInt, Field(ge=0, le=SITE_COUNT_MAX), BeforeValidator(integral), COUNT_SAYS]
Flag = Annotated[StrictBool, Says(_l("Must be true or false."))]
WHERE = Says(_l("The location is outside the valid range."))
# Python's own ISO reader, as before, so a resent visit hashes as it did when first stored.
Moment = Annotated[
    datetime | None,
    BeforeValidator(utc_moment),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}], "default": None},
    ),
    Says(_l("A date and time with its offset, e.g. 2026-11-23T09:30:00+08:00.")),
]


def coordinate(bounds: tuple[float, float]):
    return Annotated[StrictFloat | None, Field(ge=bounds[0], le=bounds[1], allow_inf_nan=False), WHERE]


class Request(BaseModel):
    """Unknown fields are refused, never ignored: a misspelt field must not pass as its default."""

    model_config = ConfigDict(extra="forbid")
    #: Where a problem with the request as a whole is reported, and what it says.
    whole_says: ClassVar[tuple[str, Any]] = ("body", _l("Send one visit as a JSON object."))


class VisitIn(Request):
    """One visit, as the phone recorded it.

    Only a talk (outcome `talked`) may count people, installs or a signed notice or receipt: stated
    below as `anyOf`. Rules JSON Schema cannot state, each refused with 422 and a message on its field:
    `app_installs`, `realname_regs` and `miniprogram_regs` at most `people_reached`; `people_reached`
    at most the door's registered residents plus a few (see its description); `lat` and `lon` given
    together or not at all; a tag not yet on a door.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"properties": {"outcome": {"const": "talked"}}},
                {
                    "properties": {
                        name: {"const": 0 if name in VISIT_COUNTS else False} for name in (*VISIT_COUNTS, *FLAGS)
                    }
                },
            ]
        },
    )

    client_uuid: Annotated[
        UUID,
        Field(
            description="Made on the phone when the visit is recorded. Sending it again is safe: "
            "with the same content the stored visit is returned (200); with other content, 409."
        ),
        Says(_l("A UUID made on the phone when the visit was recorded is required.")),
    ]
    tag: Annotated[
        StrictStr,
        Field(min_length=1, max_length=TAG_MAX, pattern=NO_NUL, description="The door tag's token."),
        Says(_l("The door tag's token is required.")),
    ]
    outcome: Annotated[Literal[OUTCOMES], Says(_l("Choose what happened at the door."))]
    people_reached: Annotated[
        Count,
        Field(
            description="Only a talk (outcome `talked`) may count people; at a household at most "
            f"{MAX_COUNT} and its residents plus {EXTRA_PEOPLE_ALLOWED}; at a shop, enterprise or school "
            f"at most {SITE_COUNT_MAX}."
        ),
    ] = 0
    app_installs: Annotated[Count, Field(description="Only a talk; at most `people_reached`.")] = 0
    realname_regs: Annotated[Count, Field(description="Only a talk; at most `people_reached`.")] = 0
    miniprogram_regs: Annotated[
        Count,
        Field(description="Only a talk; at most `people_reached`. With `program_regs`: left out, or their sum."),
    ] = 0
    program_regs: Annotated[
        dict[Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,9}$")], Count],
        Field(
            max_length=PROGRAMS_PER_VISIT_MAX,
            description='Registrations per mini-program, by the program\'s id, e.g. {"3": 1}; a program left out '
            "counts 0. Only the district's active programs; each at most `people_reached`.",
            # Pydantic describes the keys with patternProperties alone, which lets any other key through.
            json_schema_extra={"additionalProperties": False},
        ),
        Says(
            _l("Registrations per mini-program, by its id, each a whole number from 0 to %(max)d.", max=SITE_COUNT_MAX)
        ),
    ] = {}
    notice_signed: Flag = False
    receipt_collected: Flag = False
    note: Annotated[
        StrictStr,
        Field(max_length=NOTE_MAX, pattern=NO_NUL),
        AfterValidator(str.strip),
        Says(_l("A note is text of at most %(max)d characters.", max=NOTE_MAX)),
    ] = ""
    lat: Annotated[coordinate(LAT_RANGE), Field(description="Given with `lon`, or neither.")] = None
    lon: Annotated[coordinate(LON_RANGE), Field(description="Given with `lat`, or neither.")] = None
    accuracy_m: coordinate(ACCURACY_RANGE) = None
    device_time: Annotated[Moment, Field(description="The phone's clock when the visit was recorded.")] = None
    sent_at: Annotated[
        Moment,
        Field(
            description="The phone's clock when this request was sent. With the server's clock it measures "
            "how far off the phone's clock is; more than 10 minutes is flagged for review, never refused."
        ),
    ] = None


class VisitBatchIn(Request):
    """A phone's outbox, or any list of visits: each settled on its own, in order."""

    # Each visit is checked on its own (as a VisitIn), so that one bad visit does not hold back the
    # others: its result says why. Here each need only be a JSON object.
    visits: list[dict[str, Any]] = Field(
        min_length=1, max_length=BATCH_LIMIT, description="Each a VisitIn, settled on its own."
    )


class WalkListQuery(Request):
    limit: Annotated[
        int,
        Field(ge=1, le=WALK_LIST_LIMIT),  # before the validator, or the limits miss the JSON Schema
        BeforeValidator(whole_number),
        Says(f"1–{WALK_LIST_LIMIT}"),
    ] = WALK_LIST_DEFAULT


Day = Annotated[
    date | None,
    BeforeValidator(iso_day),
    WithJsonSchema({"type": "string", "format": "date"}),
    Says(_l("A date like 2026-11-23.")),
]


class TalliesQuery(Request):
    whole_says = ("to", _l("The last day comes before the first."))

    first: Day = Field(None, alias="from", description="The first day counted (inclusive).")
    last: Day = Field(None, alias="to", description="The last day counted (inclusive); not before `from`.")

    @model_validator(mode="after")
    def in_order(self):
        if self.first and self.last and self.first > self.last:
            raise ValueError("to before from")
        return self


def problems(error: ValidationError, model: type[Request]) -> dict[str, str]:
    """{field: message in the user's language} for every refused field, the first problem of each."""
    found: dict[str, str] = {}
    aliases = {info.alias or name: info for name, info in model.model_fields.items()}
    for detail in error.errors():
        if not detail["loc"]:
            name, message = model.whole_says
        elif detail["type"] == "extra_forbidden" or detail["loc"][0] not in aliases:
            name, message = detail["loc"][0], _l("Unknown field.")
        else:
            name = detail["loc"][0]
            says = [m.message for m in aliases[name].metadata if isinstance(m, Says)]
            message = says[0] if says else _l("Some fields are not valid; nothing was stored.")
        found.setdefault(str(name), str(message))
    return found
