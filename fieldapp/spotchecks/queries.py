"""What 督察回访 pages read: my open checks for Today, a station's current round with its figures per volunteer."""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from fieldapp.backchecks.search import address_parts, full_address
from fieldapp.extensions import db
from fieldapp.models import Area, Site, User, Visit
from fieldapp.models.trust import SpotCheck, SpotCheckRound
from fieldapp.spotchecks.forms import DrawForm
from fieldapp.spotchecks.services import FAILED_RESULTS
from fieldapp.visits.clock import local_today


def my_open_checks(user: User) -> list[SpotCheck]:
    """The unanswered checks assigned to `user`, oldest round first (never one of their own visits)."""
    return list(
        db.session.scalars(
            select(SpotCheck)
            .join(SpotCheckRound, SpotCheckRound.id == SpotCheck.round_id)
            .where(
                SpotCheck.assigned_to_id == user.id,
                SpotCheck.volunteer_id != user.id,
                SpotCheck.answered_at.is_(None),
            )
            .options(joinedload(SpotCheck.site).joinedload(Site.building))
            .order_by(SpotCheckRound.week_start, SpotCheck.id)
        )
    )


def addresses(checks: list[SpotCheck]) -> dict[int, str]:
    """Per check id, its household's full address ("东门社区 · 3号楼 · 2单元 502")."""
    parts = address_parts([check.site for check in checks])
    return {check.id: full_address(parts[check.site_id]) for check in checks}


def current_round(area: Area) -> SpotCheckRound | None:
    """The station's latest round (the week drawn last)."""
    return db.session.scalar(
        select(SpotCheckRound)
        .where(SpotCheckRound.area_id == area.id)
        .order_by(SpotCheckRound.week_start.desc(), SpotCheckRound.id.desc())
        .limit(1)
    )


@dataclass
class Figures:
    """A sample's figures: drawn, answered, and what the answers said."""

    drawn: int = 0
    answered: int = 0
    failed: int = 0
    unreachable: int = 0

    def add(self, result: str | None) -> None:
        self.drawn += 1
        if result is not None:
            self.answered += 1
            self.failed += result in FAILED_RESULTS
            self.unreachable += result == "unreachable"

    @property
    def coverage(self) -> float | None:
        """Answered of drawn, in percent."""
        return 100 * self.answered / self.drawn if self.drawn else None

    @property
    def failure_rate(self) -> float | None:
        """Failed of answered, in percent; an unreachable household counts neither way."""
        reached = self.answered - self.unreachable
        return 100 * self.failed / reached if reached else None


@dataclass
class VolunteerRow:
    volunteer: User
    figures: Figures = field(default_factory=Figures)
    #: The mean trust score of the volunteer's visits of that week in the station (a failed check lowers it).
    trust: float | None = None


def round_summary(round_: SpotCheckRound) -> tuple[Figures, list[VolunteerRow]]:
    """The round's figures, and per volunteer (the most failures first, then by name)."""
    total = Figures()
    rows: dict[int, VolunteerRow] = {}
    for check in round_.checks:
        row = rows.setdefault(check.volunteer_id, VolunteerRow(check.volunteer))
        row.figures.add(check.result)
        total.add(check.result)
    buildings = select(Area.id).where(Area.level == "building", Area.within(round_.area))
    scores = db.session.execute(
        select(Visit.user_id, func.avg(Visit.trust_score))
        .where(
            Visit.user_id.in_(rows),
            Visit.building_id.in_(buildings),
            Visit.day.between(round_.week_start, round_.week_start + timedelta(days=6)),
            Visit.undone_at.is_(None),
        )
        .group_by(Visit.user_id)
    )
    for user_id, score in scores:
        rows[user_id].trust = float(score)
    ordered = sorted(rows.values(), key=lambda row: (-row.figures.failed, row.volunteer.display_name))
    return total, ordered


def station_section(area) -> dict:
    """What the station page's spot-check section needs (for supervisors of the station only)."""
    round_ = current_round(area)
    total, rows = round_summary(round_) if round_ else (None, [])
    form = DrawForm()
    form.week.data = local_today() - timedelta(days=7)  # last week, done: the usual Monday draw
    return {"round": round_, "total": total, "rows": rows, "form": form}
