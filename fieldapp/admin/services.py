"""Admin writes: accounts. Each one is audited."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from fieldapp.audit import audit
from fieldapp.auth.services import check_new_password
from fieldapp.extensions import db
from fieldapp.models import ROLES, Area, Team, User
from fieldapp.refusals import Refused


class UsernameTaken(Refused):
    def __init__(self, username: str):
        super().__init__(_l("This username is taken."), field="username")
        self.username = username


def create_user(
    username: str,
    password: str,
    display_name: str,
    role: str,
    area: Area,
    team: Team | None = None,
) -> User:
    """A new account bound to `area`. The caller commits."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    check_new_password(password)
    username = username.strip().lower()
    taken = db.session.scalar(select(User.id).where(func.lower(User.username) == username))
    if taken:
        raise UsernameTaken(username)
    user = User(username=username, display_name=display_name.strip(), role=role, area=area, team=team)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit(
        "user.create",
        user,
        after={"username": username, "role": role, "area_id": area.id, "team_id": team.id if team else None},
    )
    return user
