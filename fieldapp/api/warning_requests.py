"""What the platform's warning feed (POST /api/v1/warnings) may send: WarningIn, checked and documented as the
visits' requests are (requests.py: `Says` carries each field's message)."""

from datetime import datetime
from typing import Annotated

from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, BeforeValidator, Field, StrictStr, WithJsonSchema

from fieldapp.api.requests import NO_NUL, Request, Says, utc_moment
from fieldapp.limits import TAG_MAX, WARNING_FIELD_MAX, WARNING_PHONE_DIGITS

#: A warning's phone as the feed sends it: digits only, an optional + first.
PHONE_PATTERN = r"^\+?[0-9]{%d,%d}$" % WARNING_PHONE_DIGITS  # noqa: UP031 (braces of a regex in an f-string)
#: A warning's required moment: like Moment, but never null.
ReceivedAt = Annotated[
    datetime,
    BeforeValidator(utc_moment),
    WithJsonSchema({"type": "string", "format": "date-time"}),
    Says(_l("A date and time with its offset, e.g. 2026-11-23T09:30:00+08:00.")),
]


def text(limit: int, says):
    """Optional text of at most `limit` characters, without NUL, stripped."""
    return Annotated[StrictStr, Field(max_length=limit, pattern=NO_NUL), AfterValidator(str.strip), Says(says)]


class WarningIn(Request):
    """One 预警 as the national platform's feed sends it, routed as an imported warning is: to the household its
    `door_code`, else its phone, else its address finds inside the key holder's area (that household's grid
    and the person responsible for its building), else to the key holder's area for a supervisor to route.

    `external_id` is the idempotency key: a warning already stored under it is answered as stored (200) and
    never changed by the feed; a supervisor corrects or withdraws it on its page. Rules JSON Schema cannot
    state, each refused with 422 on its field: `received_at` more than 10 minutes ahead of the server's clock;
    a `door_code` no door of the key holder's area carries.
    """

    whole_says = ("body", _l("Send one warning as a JSON object, or a list of them."))

    external_id: Annotated[
        StrictStr,
        Field(
            min_length=1,
            max_length=WARNING_FIELD_MAX["external_id"],
            pattern=r"^[^\s\x00]+$",
            description="The platform's own number for the warning: sending it again stores nothing new.",
        ),
        Says(
            _l(
                "The warning's number is required: up to %(max)d characters, no spaces.",
                max=WARNING_FIELD_MAX["external_id"],
            )
        ),
    ]
    received_at: Annotated[ReceivedAt, Field(description="When the platform received or pushed it.")]
    phone: Annotated[
        StrictStr | None,
        Field(
            pattern=PHONE_PATTERN,
            description="The person's phone, digits only. Never answered in full (138****1234).",
        ),
        Says(_l("Enter a phone number of 7 to 20 digits, or leave it empty.")),
    ] = None
    address: Annotated[
        text(WARNING_FIELD_MAX["address"], _l("At most %(max)d characters.", max=WARNING_FIELD_MAX["address"])),
        Field(description="As the platform writes it, e.g. 东门社区3号楼2单元502."),
    ] = ""
    door_code: Annotated[
        StrictStr | None,
        Field(
            max_length=TAG_MAX,
            pattern=NO_NUL,
            description="The short code printed under the household's door tag, when known.",
        ),
        Says(_l("No door tag has this code, or it is not in your area.")),
    ] = None
    category: text(
        WARNING_FIELD_MAX["category"], _l("At most %(max)d characters.", max=WARNING_FIELD_MAX["category"])
    ) = ""
    source: Annotated[
        text(WARNING_FIELD_MAX["source"], _l("At most %(max)d characters.", max=WARNING_FIELD_MAX["source"])),
        Field(description="Who sent it; `feed` when left out."),
    ] = ""
