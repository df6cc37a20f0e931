"""What /api/v1 answers, described once: the routes build their bodies from these models, and the OpenAPI
document is generated from the same models, so an answer cannot drift from its description."""

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema, create_model

from fieldapp.models import OUTCOMES, TALLY_FIELDS, Area, Visit
from fieldapp.models.sites import mask_phone


def iso(moment: datetime | None) -> str | None:
    """A naive UTC moment (as every DateTime column stores it) with its Z, so clients never guess the zone."""
    return None if moment is None else moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


#: A moment stored as naive UTC, written with its Z.
Moment = Annotated[datetime, PlainSerializer(iso), WithJsonSchema({"type": "string", "format": "date-time"})]


class Response(BaseModel):
    """A typo in a route's keyword is an error at once, not a field silently missing from the answer."""

    model_config = ConfigDict(extra="forbid")

    def body(self) -> dict:
        """As JSON types, leaving out the optional parts a route did not set (e.g. a conflict's visit)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class Error(Response):
    error: str
    message: str


class Invalid(Response):
    error: Literal["invalid"]
    message: str
    fields: dict[str, str]


class VisitOut(Response):
    """A stored visit as the API shows it."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    id: int
    client_uuid: str
    site_id: int
    outcome: Literal[OUTCOMES]
    people_reached: int
    app_installs: int
    realname_regs: int
    miniprogram_regs: int
    notice_signed: bool
    receipt_collected: bool
    note: str
    day: Annotated[date, WithJsonSchema({"type": "string", "format": "date"})]
    device_time: Moment | None
    server_time: Moment
    clock_skewed: bool
    gps_flags: list[Literal["missing", "inaccurate", "far"]]
    distance_m: float | None
    review_status: Literal["pending", "approved", "has_issues", "rejected"]
    counts_in_tallies: bool

    @classmethod
    def of(cls, visit: Visit) -> dict:
        return cls.model_validate(visit).body()


class Recorded(Response):
    created: bool
    visit: VisitOut


class Conflict(Response):
    error: Literal["conflict"]
    message: str
    visit: VisitOut | None = None  # only when the stored visit lies in the caller's area


class BatchResult(Response):
    """One visit's result in a batch: its place, and what POST /visits would have answered for it alone."""

    index: int
    client_uuid: Any = None  # echoed as sent, even when it is not a UUID
    status: Literal[200, 201, 404, 409, 422]
    created: bool | None = None
    visit: VisitOut | None = None
    error: str | None = None
    message: str | None = None
    fields: dict[str, str] | None = None


class BatchResults(Response):
    results: list[BatchResult]


class AreaOut(Response):
    id: int
    name: str
    level: str

    @classmethod
    def of(cls, area: Area) -> "AreaOut":
        return cls(id=area.id, name=area.name, level=area.level)


class UserOut(Response):
    id: int
    username: str
    display_name: str
    role: str
    area: AreaOut


class MiniProgramOut(Response):
    """An active mini-program: a visit's `program_regs` counts registrations in it by its id."""

    id: int
    name: str


class Session(Response):
    user: UserOut
    csrf_token: str
    server_time: Moment
    #: The programs the door form counts now (empty: the district keeps no list; send `miniprogram_regs`).
    mini_programs: list[MiniProgramOut] = []


#: An area's figures: every sum a rollup holds (fieldapp.models.TALLY_FIELDS), and the rates.
Totals = create_model(
    "Totals",
    __base__=Response,
    resident_households=int,
    residents=int,
    **dict.fromkeys(TALLY_FIELDS, int),
    coverage_percent=Annotated[float | None, WithJsonSchema({"type": ["number", "null"], "description": "入户率"})],
    realname_per_10k=Annotated[
        float | None, WithJsonSchema({"type": ["number", "null"], "description": "万人实名注册率"})
    ],
    targets=(dict[str, int], ...),
)


class PartTallies(Response):
    area: AreaOut
    totals: Totals


Day = Annotated[date | None, WithJsonSchema({"type": ["string", "null"], "format": "date"})]


class AreaTallies(Response):
    model_config = ConfigDict(extra="forbid", validate_by_name=True)

    area: AreaOut
    first: Day = Field(alias="from")
    last: Day = Field(alias="to")
    totals: Totals
    children: list[PartTallies]


class WalkSite(Response):
    id: int
    tag: str | None
    short_code: str | None
    door: str
    unit: str
    floor: int | None
    room: str
    kind: str
    status: str
    residents: int
    last_outcome: Literal[OUTCOMES] | None


class WalkBuilding(Response):
    id: int
    name: str
    parent: str
    resident_households: int
    households_covered: int
    sites: list[WalkSite]


class WalkList(Response):
    generated_at: Moment
    buildings: list[WalkBuilding]


class WarningOut(Response):
    """A stored 预警 as the feed's answer shows it: where it went, to whom, its deadlines; the phone masked."""

    id: int
    external_id: str
    created: bool = Field(description="Stored by this request (false: stored before under this external_id).")
    received_at: Moment
    phone: str | None = Field(description="Masked, e.g. 138****1234: the full number is never answered.")
    address: str
    category: str
    source: str
    site_id: int | None = Field(description="The household it was routed to, when one was found.")
    area: AreaOut
    assigned_to_id: int | None
    call_due_at: Moment
    visit_due_at: Moment
    withdrawn: bool

    @classmethod
    def of(cls, warning, created: bool) -> "WarningOut":
        return cls(
            id=warning.id,
            external_id=warning.external_id,
            created=created,
            received_at=warning.received_at,
            phone=mask_phone(warning.phone) or None,
            address=warning.address,
            category=warning.category,
            source=warning.source,
            site_id=warning.site_id,
            area=AreaOut.of(warning.area),
            assigned_to_id=warning.assigned_to_id,
            call_due_at=warning.call_due_at,
            visit_due_at=warning.visit_due_at,
            withdrawn=warning.withdrawn_at is not None,
        )


class WarningsStored(Response):
    """The warnings of a request, in the order sent (one, for a body of one)."""

    created: int = Field(description="How many were stored by this request.")
    warnings: list[WarningOut]
