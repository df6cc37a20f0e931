"""Admin writes: accounts, from creation to deactivation. Each one is audited; the caller commits.

Who may call which is asked of permissions.py (may_manage_account, may_reset_password_of) by the routes.
"""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from fieldapp.api.tokens import revoke_token
from fieldapp.audit import audit
from fieldapp.auth.services import check_new_password, end_sessions, issue_one_time_password
from fieldapp.extensions import db
from fieldapp.limits import PHONE_MAX
from fieldapp.models import ROLES, ApiToken, Area, Team, User, mask_phone
from fieldapp.refusals import Refused
from fieldapp.teams.services import join_team, leave_team

#: What a typed phone number may look like: digits, a leading +, spaces or dashes between.
PHONE_PATTERN = re.compile(rf"^\+?[0-9 -]{{5,{PHONE_MAX - 1}}}$")


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
    team_role: str = "volunteer",
) -> User:
    """A new account bound to `area`, in `team` (as `team_role`) when given. The caller commits."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    check_new_password(password)
    username = username.strip().lower()
    taken = db.session.scalar(select(User.id).where(func.lower(User.username) == username))
    if taken:
        raise UsernameTaken(username)
    user = User(username=username, display_name=display_name.strip(), role=role, area=area)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit(
        "user.create",
        user,
        after={"username": username, "role": role, "area_id": area.id, "team_id": team.id if team else None},
    )
    if team is not None:
        join_team(user, team, team_role)  # the membership row, its history and user.team_id, in one place
    return user


def clean_phone(phone: str | None, field: str = "phone") -> str | None:
    """A phone number as stored (spaces and dashes dropped), None for none; Refused if it is not one."""
    phone = (phone or "").strip()
    if not phone:
        return None
    if not PHONE_PATTERN.match(phone):
        raise Refused(_l("Enter a phone number of digits only."), field=field)
    return re.sub(r"[ -]", "", phone)


def account_facts(user: User) -> dict:
    """What an audit entry keeps of an account: ids and names, the phone masked."""
    return {
        "display_name": user.display_name,
        "role": user.role,
        "area_id": user.area_id,
        "team_id": user.team_id,
        "phone": mask_phone(user.phone),
    }


def update_user(user: User, display_name: str, role: str, area: Area, team: Team | None, phone: str | None) -> User:
    """Change an account's name, role, area, team and phone; audited with what changed, before and after."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if not display_name.strip():
        raise Refused(_l("Enter a name."), field="display_name")
    before = account_facts(user)
    user.display_name = display_name.strip()
    user.role = role
    user.area = area
    if team is None:
        leave_team(user)
    elif team.id != user.team_id:
        join_team(user, team)  # as a volunteer; their part is changed on the team page
    user.phone = clean_phone(phone)
    db.session.flush()
    after = account_facts(user)
    changed = [name for name in after if after[name] != before[name]]
    if changed:
        audit(
            "user.update",
            user,
            before={"username": user.username, **{name: before[name] for name in changed}},
            after={"username": user.username, **{name: after[name] for name in changed}},
        )
    return user


class SelfDeactivation(Refused):
    def __init__(self):
        super().__init__(_l("You cannot deactivate your own account; ask another admin."))


def deactivate_user(user: User, by: User) -> None:
    """The account can no longer log in; every session and API key of it opens nothing from now on.
    Its visits and history stay."""
    if user.id == by.id:
        raise SelfDeactivation()
    if not user.is_active_account:
        return
    user.is_active_account = False
    end_sessions(user)
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        revoke_token(token)
    audit("user.deactivate", user, before={"username": user.username, "active": True}, after={"active": False})


def reactivate_user(user: User) -> None:
    """The account may log in again (with its password; its old sessions and keys stay ended)."""
    if user.is_active_account:
        return
    user.is_active_account = True
    audit("user.reactivate", user, before={"username": user.username, "active": False}, after={"active": True})


def reset_password(user: User, by: User) -> str:
    """A one-time code replaces the account's password (to be read out or printed, and changed at the first
    login); its sessions end. Audited by issue_one_time_password."""
    return issue_one_time_password(user, by)
