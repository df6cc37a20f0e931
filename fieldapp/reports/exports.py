"""Every visit of an area over a period, as CSV or XLSX, streamed: a million rows never sit in memory."""

import io
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from fieldapp.extensions import db
from fieldapp.models import Area, Site, Team, User, Visit, door_label
from fieldapp.reports.cells import BOM, csv_writer
from fieldapp.reports.xlsx import stream_xlsx

VISIT_EXPORT_COLUMNS = (
    "id",
    "day",
    "server_time",
    "station",
    "community",
    "grid",
    "building",
    "door",
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


#: Rows fetched from the database at a time by the exports (a server-side cursor on PostgreSQL).
EXPORT_BATCH = 5_000


def visit_export_records(area: Area, first_day: date, last_day: date):
    """Every visit under `area` between two days as a list of VISIT_EXPORT_COLUMNS values, in id order.

    Plain columns, not ORM objects: a district's million visits are read in batches and each row
    is forgotten once written, so memory stays flat and a row costs microseconds.
    """
    levels = ("station", "community", "grid")
    names = {
        found.id: (found.level, found.name)
        for found in db.session.scalars(select(Area).where(or_(Area.within(area), Area.id.in_(area.ancestor_ids))))
    }
    building = aliased(Area)
    query = (
        select(
            Visit.id,
            Visit.day,
            Visit.server_time,
            building.path,
            building.name,
            Site.unit,
            Site.room,
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
    above: dict[str, list[str]] = {}  # a building's path -> its station, community and grid names
    for row in db.session.execute(query):
        (visit_id, day, server_time, path, building_name, unit, room, volunteer, team, outcome, *counts) = row[:16]
        distance, accuracy, missing, inaccurate, far, review_status, undone_at = row[16:]
        if path not in above:
            found = dict(names.get(int(part), ("", "")) for part in path.strip("/").split("/"))
            above[path] = [found.get(level, "") for level in levels]
        flags = [name for name, raised in (("missing", missing), ("inaccurate", inaccurate), ("far", far)) if raised]
        yield [
            visit_id,
            day,
            server_time.replace(microsecond=0),
            *above[path],
            building_name,
            door_label(unit, room),
            volunteer,
            team or "",
            outcome,
            *(int(value) for value in counts),
            distance,
            accuracy,
            " ".join(flags),
            review_status if undone_at is None else "undone",
        ]


def visit_export_rows(area: Area, first_day: date, last_day: date):
    """The visits of `visit_export_records` as CSV text, streamed a batch at a time (flat memory)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)

    def flush():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(VISIT_EXPORT_COLUMNS)
    yield BOM + flush()
    for count, record in enumerate(visit_export_records(area, first_day, last_day), start=1):
        record[1], record[2] = record[1].isoformat(), record[2].isoformat(timespec="seconds")
        writer.writerow(["" if value is None else value for value in record])
        if count % 2000 == 0:
            yield flush()
    yield flush()


def visit_export_xlsx(area: Area, first_day: date, last_day: date):
    """The visits of `visit_export_records` as an XLSX file, streamed as it is written (flat memory)."""
    title = f"{area.name} {first_day.isoformat()}–{last_day.isoformat()}"
    return stream_xlsx(title, VISIT_EXPORT_COLUMNS, visit_export_records(area, first_day, last_day))
