"""The roster as a spreadsheet: the import template with example rows, and an area's roster for the level above.

Both have the template's columns (COLUMNS, in order). The export shows the phone and the householder masked
(138****1234, 张某) and re-imports unchanged: a masked cell keeps what is stored (imports.py MASKED), kinds
and statuses are written as the import reads them, in Chinese or, for an English reader, in English; key groups
(重点人群) by name, joined with "、" (an empty cell keeps the marks on import, so a door without marks stays so).
"""

from flask_babel import force_locale, get_locale
from sqlalchemy import select

from fieldapp import labels
from fieldapp.extensions import db
from fieldapp.keygroups.names import joined_names
from fieldapp.keygroups.services import marks_within
from fieldapp.models import Area, Site, in_use, mask_name
from fieldapp.models.sites import mask_phone
from fieldapp.roster.files import COLUMNS

#: Two doors to copy: a flat with every column filled, and a shop with only what is required and a few more.
#: Counts and coordinates are numbers; unit, room and phone are text (typed as numbers, Excel would drop a
#: leading 0 or show a long phone as 1.38E+10).
TEMPLATE_EXAMPLES = (
    ["城关派出所", "东门社区", "东门一网格", "3号楼", "1", 5, "502", "张三", "13800138000", 3, "住户", "有人居住",
     "独居老人", 30.2741, 120.1551],
    ["城关派出所", "东门社区", "东门一网格", "临街商铺", "", 1, "12号", "", "", 2, "商户", "", "", None, None],
)  # fmt: skip


def english() -> bool:
    return str(get_locale() or "zh").startswith("en")


def header_row(in_english: bool) -> list[str]:
    return [en if in_english else zh for _key, zh, en in COLUMNS]


def template_rows() -> list[list]:
    """The header row (Chinese, as grid workers expect it) and the example rows."""
    with force_locale("zh"):
        return [header_row(False), *(list(row) for row in TEMPLATE_EXAMPLES)]


def roster_rows(area: Area) -> list[list]:
    """The header and one row per door at or below `area` (in use), in tree order, in the reader's language."""
    in_english = english()
    found = db.session.execute(
        select(Site, Area.path).join(Area, Area.id == Site.building_id).where(Area.within(area), in_use())
    ).all()
    marks = marks_within(area)
    ancestor_ids = {int(part) for _site, path in found for part in path.strip("/").split("/") if part}
    names = {
        row.id: (row.level, row.name)
        for row in db.session.execute(select(Area.id, Area.level, Area.name).where(Area.id.in_(ancestor_ids)))
    }
    rows = []
    for site, path in found:
        place = {"grid": ""}
        for part in path.strip("/").split("/"):
            level, name = names[int(part)]
            place[level] = name
        rows.append(
            [
                place.get("station", ""),
                place.get("community", ""),
                place["grid"],
                place.get("building", ""),
                site.unit,
                site.floor,
                site.room,
                mask_name(site.householder),
                mask_phone(site.contact_phone),
                site.residents,
                str(labels.SITE_KINDS[site.kind]),
                str(labels.SITE_STATUSES[site.status]),
                joined_names(marks.get(site.id, ())),
                site.lat,
                site.lon,
            ]
        )
    rows.sort(key=lambda row: (row[0], row[1], row[2], row[3], row[4], row[5] or 0, len(row[6]), row[6]))
    return [header_row(in_english), *rows]
