"""Reading an accounts file, CSV or XLSX, as stations keep their lists: its rows by field, the words it uses for
roles and parts in a team, and the template.

Nothing here knows the area tree or the accounts: `imports.py` plans what the rows would create. Files are read
by roster/files.py's `read_table` (UTF-8 or GB18030 CSV; XLSX checked for zip bombs before it is opened).
"""

import unicodedata

from flask_babel import lazy_gettext as _l

from fieldapp.limits import ACCOUNTS_IMPORT_ROWS_MAX
from fieldapp.models import ROLES
from fieldapp.reports.cells import csv_bytes, workbook_bytes
from fieldapp.roster.files import RosterFileError, header_field, read_table

#: (field, Chinese header of the template, English header). The template has the Chinese ones.
COLUMNS = (
    ("name", "姓名", "name"),
    ("username", "用户名", "username"),
    ("role", "角色", "role"),
    ("team", "队伍", "team"),
    ("part", "队内角色", "part"),
    ("area", "辖区", "area"),
    ("phone", "电话", "phone"),
)
#: Other headers seen in the lists stations keep.
HEADER_ALIASES = {
    "名字": "name", "display_name": "name",
    "账号": "username", "登录名": "username", "用户": "username",
    "身份": "role", "岗位": "role",
    "所属队伍": "team", "队": "team", "团队": "team",
    "队内职务": "part", "队内身份": "part", "partinteam": "part", "team_role": "part", "teamrole": "part",
    "所属辖区": "area", "区域": "area", "片区": "area", "地区": "area",
    "手机": "phone", "手机号": "phone", "手机号码": "phone", "联系电话": "phone", "电话号码": "phone",
}  # fmt: skip
REQUIRED = ("name", "role", "area")
#: The words a file may use for a role, besides the codes themselves (models.ROLES). The 1+2+N words map to
#: the role their people hold in the app: police officers and grid workers walk the doors like volunteers.
ROLE_WORDS = {
    "志愿者": "volunteer",
    "民警": "volunteer",
    "辅警": "volunteer",
    "网格员": "volunteer",
    "楼栋长": "lead",
    "负责人": "supervisor",
    "管理员": "admin",
}


def role_of(text: str) -> str | None:
    """The role (models.ROLES) a cell names, else None."""
    word = text.strip().lower()
    return word if word in ROLES else ROLE_WORDS.get(word)


#: The words for a person's part in their "1+2+N" team (models.TEAM_ROLES), besides the codes themselves: the
#: police officers lead, the grid workers are the "2", the volunteers the "N".
PART_WORDS = {
    "队长": "leader", "民警": "leader", "辅警": "leader", "leader": "leader",
    "网格员": "grid_worker", "grid_worker": "grid_worker", "gridworker": "grid_worker",
    "志愿者": "volunteer", "队员": "volunteer",
    "volunteer": "volunteer",
}  # fmt: skip


def part_of(text: str) -> str | None:
    """The team part a cell names ("队长", "网格员", "grid worker"), else None."""
    return PART_WORDS.get(text.strip().lower().replace(" ", ""))


def read_accounts(data: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, {field: text}) of each non-empty row; full-width characters read as ordinary ones."""
    rows = read_table(data, filename)
    header = next(rows, None)
    fields = [header_field(cell, COLUMNS, HEADER_ALIASES) for cell in header or []]
    missing = [zh for key, zh, _en in COLUMNS if key in REQUIRED and key not in fields]
    if missing:
        raise RosterFileError(_l("Columns missing from the header row: %(names)s.", names="、".join(missing)))
    out = []
    for line, row in enumerate(rows, start=2):
        values = {
            key: unicodedata.normalize("NFKC", cell or "").strip()
            for key, cell in zip(fields, row, strict=False)
            if key is not None
        }
        if not any(values.values()):
            continue
        out.append((line, values))
        if len(out) > ACCOUNTS_IMPORT_ROWS_MAX:
            raise RosterFileError(
                _l("At most %(n)d accounts per file: split it into several.", n=ACCOUNTS_IMPORT_ROWS_MAX)
            )
    return out


def rows_from_values(values: list[dict]) -> list[tuple[int, dict[str, str]]]:
    """The confirmation's rows (as the preview handed them on) back as (line, {field: text}); ValueError if
    they are not what the preview makes."""
    if not isinstance(values, list) or not 0 < len(values) <= ACCOUNTS_IMPORT_ROWS_MAX:
        raise ValueError("rows")
    rows = []
    for item in values:
        if not isinstance(item, dict) or not isinstance(item.get("line"), int):
            raise ValueError("row")
        fields = {key: item.get(key, "") for key, _zh, _en in COLUMNS}
        if not all(isinstance(text, str) and len(text) <= 200 for text in fields.values()):
            raise ValueError("field")
        rows.append((item["line"], fields))
    return rows


def template_rows() -> list[list[str]]:
    """The header row (Chinese) and example rows: a supervisor, a team's leader and volunteer, a building lead
    (without a username: one is made up)."""
    return [
        [zh for _key, zh, _en in COLUMNS],
        ["张明", "zhangming", "负责人", "", "", "城关派出所", "13800001111"],
        ["刘警官", "liujing", "民警", "城关一队", "队长", "城关派出所", "13800003333"],
        ["李华", "lihua", "志愿者", "城关一队", "志愿者", "城关派出所", "13800002222"],
        ["王芳", "", "楼栋长", "", "", "东门社区/3号楼", ""],
    ]


def template_csv() -> bytes:
    return csv_bytes(template_rows())


def template_xlsx() -> bytes:
    return workbook_bytes([("账号", template_rows(), set())])
