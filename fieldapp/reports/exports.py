"""Every visit of an area over a period, as CSV or XLSX, streamed: a million rows never sit in memory.

Headers and words (outcome, review, location checks) are in the reader's language, times in the
campaign's time zone (the zone named in the header). The labels are read when the export starts, inside
the request (the response is streamed with stream_with_context), so each row only looks them up. An export
of more rows than FIELDAPP_EXPORT_BACKGROUND_ROWS is written by the queue's worker instead (reports/jobs.py).
"""

import io
from collections.abc import Callable
from datetime import UTC, date, datetime

from flask import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from fieldapp.extensions import db
from fieldapp.labels import LEVELS, MEASURES, OUTCOMES, REVIEW_STATUSES, SITE_FIELDS, SITE_KINDS
from fieldapp.models import Area, DailyTally, Site, Team, User, Visit, door_label
from fieldapp.reports.cells import BOM, csv_writer
from fieldapp.reports.xlsx import stream_xlsx
from fieldapp.visits.clock import deployment_zone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The columns of the visit export, in order; `visit_export_header` gives their names in the reader's language.
VISIT_EXPORT_COLUMNS = (
    "id",
    "day",
    "time",
    "station",
    "community",
    "grid",
    "building",
    "door",
    "kind",
    "volunteer",
    "team",
    "outcome",
    "people_reached",
    "app_installs",
    "realname_regs",
    "miniprogram_regs",
    "notice_signed",
    "receipt_collected",
    "distance_m",
    "accuracy_m",
    "gps_flags",
    "review_status",
)
COLUMN_LABELS = {
    "id": _l("Visit no."),
    "day": _l("Day"),
    "door": _l("Door"),
    "kind": SITE_FIELDS["kind"],
    "volunteer": _l("Volunteer"),
    "team": _l("Team"),
    "outcome": _l("Outcome"),
    "notice_signed": _l("Notice signed"),
    "receipt_collected": _l("Receipt collected"),
    "distance_m": _l("Distance from the door (m)"),
    "accuracy_m": _l("Location accuracy (m)"),
    "gps_flags": _l("Location checks"),
    "review_status": _l("Review status"),
    **LEVELS,
    **MEASURES,
}
GPS_FLAGS = {"missing": _l("No location"), "inaccurate": _l("Inaccurate location"), "far": _l("Far from the door")}
#: Time zones a reader knows by another name (the header says which clock the times follow).
ZONE_NAMES = {"Asia/Shanghai": _l("China Standard Time")}

#: Rows fetched from the database at a time by the exports (a server-side cursor on PostgreSQL).
EXPORT_BATCH = 5_000


def zone_label() -> str:
    """The campaign's clock as the reader knows it: "北京时间", else the zone's name (Asia/Urumqi)."""
    key = deployment_zone().key
    return str(ZONE_NAMES.get(key, key))


def visit_export_header() -> list[str]:
    """The visit export's column names in the reader's language, the time's with its zone."""
    return [
        _("Time (%(zone)s)", zone=zone_label()) if column == "time" else str(COLUMN_LABELS[column])
        for column in VISIT_EXPORT_COLUMNS
    ]


def area_names_above(area: Area):
    """A function: a building's path -> [its station, community, grid names] (within or above `area`)."""
    levels = ("station", "community", "grid")
    names = {
        found.id: (found.level, found.name)
        for found in db.session.scalars(select(Area).where(or_(Area.within(area), Area.id.in_(area.ancestor_ids))))
    }
    above: dict[str, list[str]] = {}

    def lookup(path: str) -> list[str]:
        if path not in above:
            found = dict(names.get(int(part), ("", "")) for part in path.strip("/").split("/"))
            above[path] = [found.get(level, "") for level in levels]
        return above[path]

    return lookup


def visit_export_records(area: Area, first_day: date, last_day: date, progress: Callable[[int], None] | None = None):
    """Every visit under `area` between two days as a list of VISIT_EXPORT_COLUMNS values, in id order
    (`progress` is told the rows read so far after each batch and at the end: a queued export's progress page).

    Plain columns, not ORM objects: a district's million visits are read in batches and each row
    is forgotten once written, so memory stays flat and a row costs microseconds. The time is when
    the visit happened (the phone's time corrected by its clock's offset, else when it arrived), in
    local time: the same clock as its day.
    """
    outcomes = {code: str(label) for code, label in OUTCOMES.items()}
    kinds = {code: str(label) for code, label in SITE_KINDS.items()}
    reviews = {code: str(label) for code, label in REVIEW_STATUSES.items()} | {"undone": _("undone")}
    missing_word, inaccurate_word, far_word = (str(GPS_FLAGS[flag]) for flag in ("missing", "inaccurate", "far"))
    zone = deployment_zone()
    names_above = area_names_above(area)
    building = aliased(Area)
    query = (
        select(
            Visit.id,
            Visit.day,
            func.coalesce(Visit.recorded_at, Visit.server_time),
            building.path,
            building.name,
            Site.unit,
            Site.room,
            Site.kind,
            User.display_name,
            Team.name,
            Visit.outcome,
            Visit.people_reached,
            Visit.app_installs,
            Visit.realname_regs,
            Visit.miniprogram_regs,
            Visit.notice_signed,
            Visit.receipt_collected,
            Visit.distance_m,
            Visit.accuracy_m,
            Visit.gps_missing,
            Visit.gps_inaccurate,
            Visit.gps_far,
            Visit.review_status,
            Visit.undone_at,
        )
        .join(building, building.id == Visit.building_id)
        .join(Site, Site.id == Visit.site_id)
        .join(User, User.id == Visit.user_id)
        .outerjoin(Team, Team.id == Visit.team_id)
        .where(building.within(area), Visit.day >= first_day, Visit.day <= last_day)
        .order_by(Visit.id)
        .execution_options(yield_per=EXPORT_BATCH)
    )
    number = 0
    for number, row in enumerate(db.session.execute(query), start=1):
        if progress is not None and number % EXPORT_BATCH == 0:
            progress(number)
        (visit_id, day, moment, path, building_name, unit, room, kind, volunteer, team, outcome, *counts) = row[:17]
        distance, accuracy, missing, inaccurate, far, review_status, undone_at = row[17:]
        flags = [
            word for word, raised in ((missing_word, missing), (inaccurate_word, inaccurate), (far_word, far)) if raised
        ]
        yield [
            visit_id,
            day,
            moment.replace(tzinfo=UTC, microsecond=0).astimezone(zone).replace(tzinfo=None),
            *names_above(path),
            building_name,
            door_label(unit, room),
            kinds.get(kind, kind),
            volunteer,
            team or "",
            outcomes.get(outcome, outcome),
            *(int(value) for value in counts),
            None if distance is None else round(distance),
            None if accuracy is None else round(accuracy),
            " · ".join(flags),
            reviews.get(review_status, review_status) if undone_at is None else reviews["undone"],
        ]
    if progress is not None:
        progress(number)


def csv_stream(header: list, records, title: str = ""):
    """`records` (lists of values) as CSV text under `header` (and a title line), a batch at a time."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)

    def flush():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    if title:
        writer.writerow([title])
    writer.writerow(header)
    yield BOM + flush()
    for count, record in enumerate(records, start=1):
        # A date as 2026-03-05 and a time as 2026-03-05 21:30:00: what Excel and WPS read back as dates.
        writer.writerow(
            [
                "" if value is None else value.isoformat(sep=" ") if isinstance(value, datetime) else value
                for value in record
            ]
        )
        if count % 2000 == 0:
            yield flush()
    yield flush()


def visit_export_rows(area: Area, first_day: date, last_day: date, progress=None):
    """The visits of `visit_export_records` as CSV text, streamed a batch at a time (flat memory)."""
    return csv_stream(visit_export_header(), visit_export_records(area, first_day, last_day, progress))


def visit_export_xlsx(area: Area, first_day: date, last_day: date, progress=None):
    """The visits of `visit_export_records` as an XLSX file, streamed as it is written (flat memory)."""
    title = f"{area.name} {first_day.isoformat()}–{last_day.isoformat()}"
    return stream_xlsx(title, visit_export_header(), visit_export_records(area, first_day, last_day, progress))


def visit_export(kind: str, area: Area, first_day: date, last_day: date, progress=None):
    """The export in `kind` ("csv" or "xlsx") as bytes, a batch at a time: what the queue's worker writes."""
    if kind == "xlsx":
        return visit_export_xlsx(area, first_day, last_day, progress)
    return (text.encode() for text in visit_export_rows(area, first_day, last_day, progress))


def export_size(area: Area, first_day: date, last_day: date) -> int:
    """About how many rows the visit export holds, from the daily tallies (a sum over one row a day, not a
    count of a million visits): enough to choose between streaming it and queueing it."""
    return db.session.scalar(
        select(func.coalesce(func.sum(DailyTally.visits), 0)).where(
            DailyTally.area_id == area.id, DailyTally.day >= first_day, DailyTally.day <= last_day
        )
    )


def export_filename(area: Area, first_day: date, last_day: date, kind: str) -> str:
    return f"visits-{area.id}-{first_day.isoformat()}-{last_day.isoformat()}.{kind}"


def download(content, filename: str) -> Response:
    """A spreadsheet (XLSX, or CSV in UTF-8 for Excel) as an attachment; `content` may be a stream."""
    kind = filename.rsplit(".", 1)[1]
    return Response(
        content,
        content_type=XLSX if kind == "xlsx" else "text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
