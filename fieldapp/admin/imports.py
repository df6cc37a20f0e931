"""Accounts in bulk (批量导入账号): planning an import of an accounts file, and the one write that does it.

`plan_accounts` checks every row against the admin's area, its teams and the usernames already taken, so the
preview shows exactly what `import_accounts` will create — or every row in error with its reason, in which case
nothing is created at all. Nobody types a password into the file: each account gets a one-time code, which the
login cards printed with the import show once (admin/login_cards.py).
"""

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from fieldapp.access import areas_within, teams_within
from fieldapp.admin.account_files import part_of, role_of
from fieldapp.admin.services import create_user
from fieldapp.audit import audit
from fieldapp.auth.services import issue_one_time_password
from fieldapp.extensions import db
from fieldapp.limits import DISPLAY_NAME_MAX, PHONE_MAX, USERNAME_MAX, USERNAME_MIN
from fieldapp.models import Area, Team, User
from fieldapp.teams.services import team_leader

USERNAME = re.compile(rf"^[a-z0-9_.-]{{{USERNAME_MIN},{USERNAME_MAX}}}$")
#: Digits, an optional leading + (spaces and dashes are dropped first): mobiles and landlines alike.
PHONE = re.compile(rf"^\+?\d{{5,{PHONE_MAX - 1}}}$")
#: A generated username is this letter and the next free number from GENERATED_FROM: short enough to type.
GENERATED_PREFIX, GENERATED_FROM = "v", 1001
#: Levels an account may be bound to, and what separates the names of a path ("东门社区/一网格").
PATH_SEPARATORS = re.compile(r"\s*[/／>›]\s*")


@dataclass
class AccountRow:
    """An account the import will create."""

    line: int
    name: str
    username: str
    role: str
    area: Area
    team: Team | None
    phone: str | None
    #: Their part in `team` (models.TEAM_ROLES); join_team checks it again when the account is created.
    part: str = "volunteer"
    #: The username was not in the file: made up here (GENERATED_PREFIX + a number).
    generated: bool = False

    def as_values(self, area_text: str, team_text: str, part_text: str) -> dict[str, str]:
        """The row as the file gave it, with the username filled in: what the preview hands to the confirmation."""
        return {
            "name": self.name,
            "username": self.username,
            "role": self.role,
            "team": team_text,
            "part": part_text,
            "area": area_text,
            "phone": self.phone or "",
        }


@dataclass
class AccountPlan:
    """What an import would create. `errors` non-empty means it will create nothing."""

    accounts: list[AccountRow] = field(default_factory=list)
    #: (line, reason)
    errors: list[tuple[int, str]] = field(default_factory=list)
    #: Each account's row as the confirmation will check it again: {"line": 2, "name": ..., ...}.
    values: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.accounts)


def clean_phone(text: str) -> str:
    return re.sub(r"[\s()-]", "", text)


class AreaFinder:
    """Areas inside the admin's area by name, or by a path of names from above ("东门社区/一网格")."""

    def __init__(self, root: Area, texts: Iterable[str]):
        self.root = root
        names = {PATH_SEPARATORS.split(text)[-1] for text in texts if text}
        found = db.session.scalars(areas_within(root).where(Area.name.in_(names))).all() if names else []
        self.by_name: dict[str, list[Area]] = {}
        for area in found:
            self.by_name.setdefault(area.name, []).append(area)
        above = {ancestor for area in found for ancestor in area.ancestor_ids}
        self.names = {
            area.id: area.name for area in db.session.scalars(select(Area).where(Area.id.in_(above)))
        } if above else {}  # fmt: skip

    def chain(self, area: Area) -> list[str]:
        """The names from the admin's area (excluded) down to `area`, e.g. ["甲派出所", "东门社区", "一网格"]."""
        depth = len(self.root.ancestor_ids)
        return [self.names.get(i, "?") for i in area.ancestor_ids[depth:]] or [area.name]

    def find(self, text: str) -> tuple[Area | None, str | None]:
        """(the area, None) or (None, why not)."""
        parts = [part for part in PATH_SEPARATORS.split(text) if part]
        candidates = [area for area in self.by_name.get(parts[-1], []) if is_below(self.chain(area)[:-1], parts[:-1])]
        if len(candidates) == 1:
            return candidates[0], None
        if not candidates:
            return None, str(_l("No area named %(name)s inside %(root)s.", name=text, root=self.root.name))
        places = "、".join(" / ".join(self.chain(area)) for area in candidates[:3])
        return None, str(
            _l(
                "%(count)d areas are named %(name)s (%(places)s): write the one above too, e.g. %(example)s.",
                count=len(candidates),
                name=text,
                places=places,
                example=" / ".join(self.chain(candidates[0])[-2:]),
            )
        )


def is_below(chain: list[str], wanted: list[str]) -> bool:
    """`wanted` names appear in `chain` in that order (levels may be skipped)."""
    remaining = iter(chain)
    return all(name in remaining for name in wanted)


def plan_accounts(rows: list[tuple[int, dict[str, str]]], admin: User) -> AccountPlan:
    """Check every row; nothing is written. Rows name areas and teams inside the admin's area only."""
    plan = AccountPlan()
    finder = AreaFinder(admin.area, [values.get("area", "") for _line, values in rows])
    teams: dict[str, list[Team]] = {}
    for team in db.session.scalars(teams_within(admin.area)):
        teams.setdefault(team.name, []).append(team)
    wanted = {values["username"].lower() for _line, values in rows if values.get("username")}
    taken_before = set(
        db.session.scalars(select(func.lower(User.username)).where(func.lower(User.username).in_(wanted)))
    ) if wanted else set()  # fmt: skip
    first_line: dict[str, int] = {}
    leaders: dict[int, int] = {}  # team id: the line naming its leader
    pending: list[tuple[int, dict, AccountRow | None]] = []
    for line, values in rows:
        problems: list[str] = []
        name = values.get("name", "")
        if not name:
            problems.append(str(_l("%(column)s is empty.", column="姓名")))
        elif len(name) > DISPLAY_NAME_MAX:
            problems.append(str(_l("The name is longer than %(n)d characters.", n=DISPLAY_NAME_MAX)))
        username = values.get("username", "").lower()
        if username:
            if not USERNAME.match(username):
                problems.append(
                    str(
                        _l(
                            "Username %(name)s: %(min)d to %(max)d letters, digits, dots, dashes or underscores.",
                            name=username,
                            min=USERNAME_MIN,
                            max=USERNAME_MAX,
                        )
                    )
                )
            elif username in first_line:
                problems.append(
                    str(_l("Username %(name)s is also on line %(line)d.", name=username, line=first_line[username]))
                )
            elif username in taken_before:
                problems.append(str(_l("Username %(name)s is taken by an existing account.", name=username)))
            first_line.setdefault(username, line)
        role = role_of(values.get("role", ""))
        if role is None:
            problems.append(
                str(
                    _l("Unknown role %(role)s: write 志愿者, 楼栋长, 负责人 or 管理员.", role=values.get("role") or "–")
                )
            )
        area, why = (None, str(_l("%(column)s is empty.", column="辖区")))
        if values.get("area"):
            area, why = finder.find(values["area"])
        if why:
            problems.append(why)
        team = None
        if team_name := values.get("team", ""):
            found = teams.get(team_name, [])
            if not found:
                problems.append(str(_l("No team named %(name)s in your area.", name=team_name)))
            elif len(found) > 1:
                problems.append(str(_l("%(count)d teams are named %(name)s.", count=len(found), name=team_name)))
            else:
                team = found[0]
                if area is not None and not (team.area.contains(area) or area.contains(team.area)):
                    problems.append(
                        str(
                            _l(
                                "Team %(team)s belongs to %(place)s, which does not hold %(area)s.",
                                team=team.name,
                                place=team.area.name,
                                area=area.name,
                            )
                        )
                    )
        part = part_problems(values, team, leaders, line, problems)
        phone = clean_phone(values.get("phone", ""))
        if phone and not PHONE.match(phone):
            problems.append(str(_l("Phone %(phone)s: digits only, 5 to 19 of them.", phone=values.get("phone"))))
        if problems:
            plan.errors.append((line, " ".join(problems)))  # each ends with its own full stop
            pending.append((line, values, None))
            continue
        account = AccountRow(line, name, username, role, area, team, phone or None, part, generated=not username)
        pending.append((line, values, account))
    unnamed = [account for _line, _values, account in pending if account and account.generated]
    for account, username in zip(unnamed, generated_usernames(len(unnamed), set(first_line)), strict=True):
        account.username = username
    for line, values, account in pending:
        if account is not None:
            plan.accounts.append(account)
            texts = (values.get("area", ""), values.get("team", ""), values.get("part", ""))
            plan.values.append({"line": line, **account.as_values(*texts)})
    return plan


def part_problems(values: dict, team: Team | None, leaders: dict[int, int], line: int, problems: list) -> str:
    """The row's part in its team (volunteer when not given); what is wrong with it goes into `problems`.
    One leader a team (teams/services, the "1" of "1+2+N"): one already there, or two in the file, is refused."""
    text = values.get("part", "")
    part = part_of(text) if text else "volunteer"
    if part is None:
        problems.append(
            str(_l("Unknown part in a team: %(part)s. Write 队长, 民警, 辅警, 网格员 or 志愿者.", part=text))
        )
    elif text and not values.get("team"):
        problems.append(
            str(_l("A part in a team (%(part)s) needs a team in the %(column)s column.", part=text, column="队伍"))
        )
    elif team is not None and part == "leader":
        if (leader := team_leader(team)) is not None:
            problems.append(
                str(_l("%(team)s already has a leader, %(name)s.", team=team.name, name=leader.display_name))
            )
        elif team.id in leaders:
            problems.append(
                str(
                    _l(
                        "A team has one leader: line %(line)d already leads %(team)s.",
                        line=leaders[team.id],
                        team=team.name,
                    )
                )
            )
        else:
            leaders[team.id] = line
    return part or "volunteer"


def generated_usernames(count: int, in_file: set[str]) -> list[str]:
    """`count` usernames GENERATED_PREFIX + the lowest free numbers from GENERATED_FROM, free in the database
    and in the file: the same file previewed twice on the same database gets the same names."""
    if not count:
        return []
    taken = in_file | set(
        db.session.scalars(select(func.lower(User.username)).where(User.username.like(f"{GENERATED_PREFIX}%")))
    )
    out, number = [], GENERATED_FROM
    while len(out) < count:
        candidate = f"{GENERATED_PREFIX}{number}"
        if candidate not in taken:
            out.append(candidate)
        number += 1
    return out


def import_accounts(plan: AccountPlan, admin: User, filename: str) -> list[tuple[User, str]]:
    """Create every account of a plan without errors, each with a one-time code; one audit event for the import
    (each account's creation and code are audited by their services too). Returns (user, code) for the login
    cards, the only place the codes are ever shown. The caller commits."""
    if not plan.ok:
        raise ValueError("a plan with errors creates nothing")
    created = []
    for row in plan.accounts:
        # create_user wants a password; nobody ever learns this one: the one-time code replaces it at once.
        password = secrets.token_urlsafe(24)
        user = create_user(row.username, password, row.name, row.role, row.area, row.team, row.part)
        user.phone = row.phone
        created.append((user, issue_one_time_password(user, admin)))
    audit(
        "users.import",
        admin.area,
        after={"file": filename[:200], "count": len(created), "usernames": [user.username for user, _code in created]},
    )
    return created
