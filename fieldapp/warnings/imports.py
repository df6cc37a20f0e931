"""Importing warnings from a CSV or XLSX file, all or nothing: every row is checked first; one bad row and
nothing is written, each problem listed with its row number. A warning already stored (same number) is skipped."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l

from fieldapp.models import Area, User
from fieldapp.models.outreach import FraudWarning
from fieldapp.refusals import Refused
from fieldapp.roster.sheets import cell_text, header_field, read_table
from fieldapp.visits.clock import deployment_zone
from fieldapp.warnings.routing import Lookups
from fieldapp.warnings.services import WarningInput, create_warnings, lookups_for, warning_problems

#: (field, Chinese header, English header); other common names in ALIASES.
COLUMNS = (
    ("external_id", "预警编号", "warning number"),
    ("received_at", "预警时间", "received"),
    ("phone", "电话", "phone"),
    ("address", "地址", "address"),
    ("category", "类别", "category"),
    ("source", "来源", "source"),
)
ALIASES = {
    "编号": "external_id",
    "id": "external_id",
    "external_id": "external_id",
    "接警时间": "received_at",
    "下发时间": "received_at",
    "时间": "received_at",
    "received_at": "received_at",
    "手机号": "phone",
    "手机号码": "phone",
    "联系电话": "phone",
    "受害人电话": "phone",
    "住址": "address",
    "诈骗类型": "category",
    "类型": "category",
}
#: A header row is looked for among the first rows (a title may stand above it).
HEADER_SEARCH_ROWS = 10
#: More rows than this are refused: warnings come tens a week, a bigger file is the wrong file.
MAX_ROWS = 2000
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y%m%d %H:%M")


def parse_local_time(text: str) -> datetime | None:
    """A local date and time as typed or as Excel gives it, as naive UTC; None when it cannot be read."""
    text = " ".join(text.replace("T", " ").split())
    for pattern in TIME_FORMATS:
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return moment.replace(tzinfo=deployment_zone()).astimezone(UTC).replace(tzinfo=None)
    return None


@dataclass
class ImportResult:
    created: int = 0
    already: int = 0
    to_households: int = 0
    #: (row number, message) for each refused row; when any, nothing was written.
    problems: list[tuple[int, str]] = field(default_factory=list)


def file_rows(data: bytes, filename: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as the spreadsheet shows it, {field: text}) for each row below the header row."""
    rows = read_table(data, filename)
    header = None
    for number, row in enumerate(rows, start=1):
        if header is None:
            fields = [header_field(cell, COLUMNS, ALIASES) for cell in row]
            if "external_id" in fields and "received_at" in fields:
                header = fields
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        values = {name: cell_text(cell).strip() for name, cell in zip(header, row, strict=False) if name}
        if any(values.values()):
            yield number, values
    if header is None:
        raise Refused(_l("No header row found: the file needs the columns 预警编号 and 预警时间."), "file")


def problems_of(
    items: list[WarningInput], by: User, known: dict[int, dict] | None = None, lookups: Lookups | None = None
) -> dict[int, dict]:
    """{position: {field: message}} for every warning that may not be stored, with the problems the reader found
    itself (`known`, by position)."""
    lookups = lookups or lookups_for(items, by)
    problems = {}
    for position, item in enumerate(items):
        found = {**warning_problems(item, by, lookups), **(known or {}).get(position, {})}
        if found:
            problems[position] = found
    return problems


def store_warnings(
    items: list[WarningInput], by: User, known: dict[int, dict] | None = None
) -> tuple[list[tuple[FraudWarning, bool]], dict[int, dict]]:
    """All or nothing, for a file's rows and the API's feed alike: check every warning, then store them all
    through create_warnings, which routes each and answers a number stored before (even earlier in the same
    batch) with the stored warning; what routing reads is read once for the batch.

    Returns ([(warning, created)] in order, {}) or ([], {position: {field: message}}) with nothing written.
    The caller commits."""
    lookups = lookups_for(items, by)
    problems = problems_of(items, by, known, lookups)
    if problems:
        return [], problems
    return create_warnings(items, by, lookups), {}


def import_warnings(data: bytes, filename: str, area: Area, by: User) -> ImportResult:
    """Check every row, then store them all (the caller commits) or none (problems listed, nothing added)."""
    result = ImportResult()
    numbers, items, known = [], [], {}
    for number, values in file_rows(data, filename):
        if len(items) >= MAX_ROWS:
            raise Refused(_l("At most %(n)d warnings in one file.", n=MAX_ROWS), "file")
        received_text = values.get("received_at", "")
        item = WarningInput(
            external_id=values.get("external_id", ""),
            received_at=parse_local_time(received_text),
            phone=values.get("phone", ""),
            address=values.get("address", ""),
            category=values.get("category", ""),
            source=values.get("source", "") or "import",
            area=area,
        )
        if received_text and item.received_at is None:
            known[len(items)] = {
                "received_at": _l(
                    "Cannot read the time %(text)s: write it as 2026-03-04 09:00.", text=received_text[:40]
                )
            }
        numbers.append(number)
        items.append(item)
    if not items:
        raise Refused(_l("The file has no warnings below its header row."), "file")
    stored, problems = store_warnings(items, by, known)
    for position, found in problems.items():
        result.problems.extend((numbers[position], str(message)) for message in found.values())
    for warning, created in stored:
        result.created += created
        result.already += not created
        result.to_households += created and warning.site_id is not None
    return result
