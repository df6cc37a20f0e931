"""Users, their roles and the "1+2+N" teams they go out in."""

from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models.areas import Area

#: volunteer (志愿者/民警/网格员), lead (楼栋长), supervisor (派出所/社区负责人), admin (反诈中心).
ROLES = ("volunteer", "lead", "supervisor", "admin")

team_areas = Table(
    "team_areas",
    db.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True),
)


class Team(db.Model):
    """A team that sweeps its assigned areas together, typically 1 officer + 2 grid workers + N volunteers."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: The area the team belongs to (usually a station); its assigned areas lie inside it.
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    area: Mapped[Area] = relationship()
    members: Mapped[list["User"]] = relationship(back_populates="team", order_by="User.display_name")
    assigned_areas: Mapped[list[Area]] = relationship(secondary=team_areas, order_by=Area.path)


#: A member's part in a "1+2+N" team: the leader (民警/辅警), grid workers (网格员), volunteers (志愿者).
TEAM_ROLES = ("leader", "grid_worker", "volunteer")


class TeamMembership(db.Model):
    """Someone's time in a team, with their part in it. Open (no `ended_at`) for the team they are in now;
    a person is in one team at a time, and the closed rows are their history. `User.team_id` mirrors the
    open row, so visits and tallies keep reading the team the volunteer was in when they knocked."""

    __tablename__ = "team_memberships"
    __table_args__ = (
        CheckConstraint("role IN ('leader', 'grid_worker', 'volunteer')", name="role"),
        # One open membership per person, on both databases (a partial unique index).
        Index(
            "uq_team_memberships_open_user",
            "user_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: One of TEAM_ROLES.
    role: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When they left the team (moved to another, or out of every team); NULL while they are in it.
    ended_at: Mapped[datetime | None]

    team: Mapped["Team"] = relationship()
    user: Mapped["User"] = relationship()


class User(UserMixin, db.Model):
    """Someone who logs in. Sees and changes only what lies inside their area."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('volunteer', 'lead', 'supervisor', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    #: The name colleagues know them by, shown in visit histories.
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    #: Everything this user may see lies at or below this area.
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    #: Inactive users cannot log in; their past visits stay.
    is_active_account: Mapped[bool] = mapped_column("active", Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Raised by logging out and by a password change: every session and remember-me cookie made
    #: before carries the old number and opens nothing any more.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The password is a one-time code an admin handed out (a login card, a reset): it must be changed at once.
    password_is_temporary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The person's own phone, for their supervisor to reach them; shown masked in lists.
    phone: Mapped[str | None] = mapped_column(String(20))

    area: Mapped[Area] = relationship()
    team: Mapped[Team | None] = relationship(back_populates="members")

    def set_password(self, password: str) -> None:
        # Werkzeug's scrypt unless configured otherwise: tests choose a cheap method (0.16 s per hash).
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """What the session and the remember-me cookie hold: "<id>:<session_version>". Raising the version
        makes every cookie that holds the old one open nothing (the user loader compares them)."""
        return f"{self.id}:{self.session_version or 0}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_account

    def can_see(self, area: Area) -> bool:
        return self.area.contains(area)


class MemberAssignment(db.Model):
    """包户到人: a grid or building a team leader (or supervisor) gave to one named member of the team that
    holds it. One person per area; the team-level assignment is `Team.assigned_areas`."""

    __tablename__ = "member_assignments"

    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The team the area was given through (the member's team at the time).
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    area: Mapped[Area] = relationship()
    user: Mapped["User"] = relationship(foreign_keys=[user_id])
    team: Mapped[Team] = relationship()


class ApiToken(db.Model):
    """A key for the JSON API, issued to one user by an admin and revocable by one.

    Only a SHA-256 of the token is stored: a leaked database does not leak working keys.
    """

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("scope IN ('read', 'visits', 'warnings')", name="scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: What the key is for, e.g. "station 2 tablet"; shown in the admin's list.
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters of the token, so a user can tell their keys apart.
    prefix: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    #: After this the key opens nothing (NULL only for keys issued before keys expired).
    expires_at: Mapped[datetime | None]
    #: What the key may do: "read" (walk list, tallies), "visits" (read, and record visits) or "warnings" (read,
    #: and post warnings: the platform's feed).
    scope: Mapped[str] = mapped_column(String(16), default="visits", server_default="visits")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
