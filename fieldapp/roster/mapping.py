"""Which field each column of a roster file holds, when its header alone does not say: chosen by hand on the
preview, remembered per importer's area (ImportMapping), and the area's own station and community for files
that leave them out.

Remembered only when an import is confirmed: a mapping tried on a preview and abandoned (it read the rows
wrongly) must not come back on the area's next file; one that was imported with is known to read it right.
"""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Area, ImportMapping, User, mask_name
from fieldapp.models.sites import mask_phone
from fieldapp.refusals import Refused
from fieldapp.roster.files import FIELDS, TOTALS, RosterFile
from fieldapp.roster.sheets import read_sheets

FIELD_KEYS = {key for key, _zh, _en in FIELDS}
#: A header key longer than the column holds is not remembered (the file still imports with it).
HEADER_MAX = 80
#: Levels whose files may leave out the station and community: they are the user's own.
FILLED_FROM_AREA = ("station", "community", "grid")


class MappingRefused(Refused):
    """The columns chosen cannot be read as one door per row (two columns for one field)."""


def remembered_mapping(area_id: int | None) -> dict[str, str]:
    """{header key: field or ""} as mapped by hand for this area's last imported file."""
    if area_id is None:
        return {}
    rows = db.session.execute(
        select(ImportMapping.header, ImportMapping.field).where(ImportMapping.area_id == area_id)
    ).all()
    return {header: field for header, field in rows if field in FIELD_KEYS or field == ""}


def remember_mapping(area: Area, chosen: dict[str, str], user: User | None) -> int:
    """Keep the columns chosen by hand for the area's next file; returns how many. The caller commits."""
    stored = {
        row.header: row
        for row in db.session.scalars(
            select(ImportMapping).where(ImportMapping.area_id == area.id, ImportMapping.header.in_(list(chosen)))
        )
    }
    kept = 0
    for header, field in chosen.items():
        if len(header) > HEADER_MAX:
            continue
        row = stored.get(header) or ImportMapping(area_id=area.id, header=header)
        row.field, row.updated_by_id = field, user.id if user else None
        db.session.add(row)
        kept += 1
    return kept


def area_defaults(user: User | None) -> dict[str, str]:
    """The station, community (and grid) of a user at community level or below: a file of theirs may leave
    those columns out. Only a field no column gives takes its default (read_roster)."""
    if user is None or user.area.level not in ("community", "grid", "building"):
        return {}
    ancestors = db.session.scalars(select(Area).where(Area.id.in_(user.area.ancestor_ids))).all()
    return {area.level: area.name for area in ancestors if area.level in FILLED_FROM_AREA}


def defaults_used(file: RosterFile) -> dict[str, str]:
    """The defaults that filled a field no column of the file gives, for the preview to say so."""
    given = {column.field for sheet in file.sheets for column in sheet.columns if column.field}
    return {key: value for key, value in file.defaults.items() if key not in given}


def label_sources(file: RosterFile, chosen: dict[str, str]) -> None:
    """read_roster marks every mapped column "remembered"; those chosen on this preview say "chosen"."""
    for sheet in file.sheets:
        for column in sheet.columns:
            if column.key in chosen:
                column.source = "chosen"


def chosen_columns(file: RosterFile, submitted: dict[str, str]) -> dict[str, str]:
    """{header key: field or ""} of the columns whose choice differs from how the file reads them by itself,
    plus every column read as "not matched" that was answered (leave out included: asked once, not again).

    `submitted` is {header key: field or ""} from the mapping form; raises MappingRefused for a field no
    column can hold or two columns given the same field."""
    by_field: dict[str, list[str]] = {}
    for column in file.columns:
        field = submitted.get(column.key, column.field or "")
        if field and field not in FIELD_KEYS:
            raise MappingRefused(_l("Choose a field from the list for each column."))
        if field:
            by_field.setdefault(field, []).append(column.header)
    for field, headers in by_field.items():
        if len(headers) > 1:
            raise MappingRefused(
                _l(
                    "Two columns are read as %(field)s: %(columns)s. Choose one, and “leave out” for the other.",
                    field=field_label(field),
                    columns="、".join(f"“{header}”" for header in headers),
                )
            )
    return {
        column.key: submitted[column.key]
        for column in file.columns
        if column.key in submitted
        and (column.source in ("none", "chosen") or submitted[column.key] != (column.field or ""))
    }


def field_label(field: str) -> str:
    """A field as the mapping form names it: its Chinese header ("房号"), or "room (房号)" in English."""
    zh, en = next((zh, en) for key, zh, en in FIELDS if key == field)
    return f"{en} ({zh})" if str(get_locale()).startswith("en") else zh


#: Sample values shown per column on the mapping form, from the first rows under the header.
SAMPLES, SAMPLE_ROWS = 3, 30


def column_samples(data: bytes, filename: str, file: RosterFile) -> dict[str, list[str]]:
    """A few values of each column of the first table, so a column can be recognised by what it holds. Cheap:
    only the first SAMPLE_ROWS rows under the header are read; phones and names are shown masked."""
    sheet = file.sheets[0]
    masks = {"phone": mask_phone, "householder": mask_name}
    samples: dict[str, list[str]] = {column.key: [] for column in sheet.columns}
    for name, rows in read_sheets(data, filename):
        if name != sheet.name:
            continue
        for line, row in enumerate(rows, start=1):
            if line > sheet.header_line + SAMPLE_ROWS:
                break
            if any(TOTALS.match((cell or "").replace(" ", "")) for cell in row):
                continue  # a 合计 row's label is no sample of its column
            for column in sheet.columns if line > sheet.header_line else ():
                text = row[column.index].strip() if column.index < len(row) and row[column.index] else ""
                text = masks[column.field](text) if column.field in masks else text
                if text and text not in samples[column.key] and len(samples[column.key]) < SAMPLES:
                    samples[column.key].append(text[:30])
        break
    return samples
