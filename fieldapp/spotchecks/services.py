"""The writes of 督察回访: draw a station's round and reassign a check (a household's answer is in answers.py).
Callers commit (or roll back: a refusal writes nothing)."""

import random
import secrets
from collections import defaultdict
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp.audit import audit
from fieldapp.database import add_once
from fieldapp.extensions import db
from fieldapp.limits import INT32_MAX
from fieldapp.models import Area, Site, User, Visit
from fieldapp.models.trust import SpotCheck, SpotCheckRound
from fieldapp.periods import week_bounds
from fieldapp.permissions import may_draw_spot_checks
from fieldapp.refusals import Refused

#: The signal a failed answer leaves on the checked visit and on the volunteer's other visits of that week.
FAILED_SIGNAL = "failed_spot_check"
#: Answers that say the claimed visit did not happen as recorded.
FAILED_RESULTS = ("not_visited", "no_app")
#: Who checks the drawn visits: the supervisor who draws, or members of the station's other teams.
ASSIGN_MODES = ("me", "other_team")
#: Most households drawn per volunteer (a round is a sample, not a second sweep).
PER_VOLUNTEER_MAX = 20


def week_of(day: date) -> tuple[date, date]:
    """The report week holding `day`, as the weekly report counts it."""
    return week_bounds(day)


def week_candidates(area: Area, week_start: date) -> dict[int, list[Visit]]:
    """Per volunteer: one counted "talked" visit per household they covered in `area` that week (their first), in
    id order. The strata of the draw."""
    first, last = week_start, week_start + timedelta(days=6)
    buildings = select(Area.id).where(Area.level == "building", Area.within(area))
    visits = db.session.scalars(
        select(Visit)
        .join(Site, Site.id == Visit.site_id)
        .where(
            Visit.building_id.in_(buildings),
            Visit.day.between(first, last),
            Visit.outcome == "talked",
            Visit.counts_in_tallies,
            Site.kind == "household",
        )
        .order_by(Visit.user_id, Visit.id)
    )
    strata: dict[int, list[Visit]] = defaultdict(list)
    seen = set()
    for visit in visits:
        if (visit.user_id, visit.site_id) not in seen:
            seen.add((visit.user_id, visit.site_id))
            strata[visit.user_id].append(visit)
    return dict(strata)


def sample(strata: dict[int, list[Visit]], seed: int, per_volunteer: int) -> list[Visit]:
    """`per_volunteer` visits of each volunteer (all of them when fewer), drawn with a generator per volunteer seeded
    from the round's seed: the same seed over the same visits draws the same sample, and one volunteer's visits
    never change another's draw."""
    drawn = []
    for volunteer_id in sorted(strata):
        visits = strata[volunteer_id]
        rng = random.Random(f"{seed}:{volunteer_id}")  # noqa: S311 - reproducible on purpose: the seed is stored
        drawn += sorted(rng.sample(visits, min(per_volunteer, len(visits))), key=lambda visit: visit.id)
    return drawn


def station_supervisors(area: Area) -> list[User]:
    """The active people bound to the station or below it who may draw its spot checks (its supervisors), by id."""
    query = select(User).join(Area, Area.id == User.area_id).where(Area.within(area), User.is_active_account.is_(True))
    return [person for person in db.session.scalars(query.order_by(User.id)) if may_draw_spot_checks(person)]


def team_members(area: Area) -> list[User]:
    """The active members of the station's teams, by id."""
    return list(
        db.session.scalars(
            select(User)
            .join(Area, Area.id == User.area_id)
            .where(Area.within(area), User.team_id.is_not(None), User.is_active_account.is_(True))
            .order_by(User.id)
        )
    )


def may_check(person: User, visit: Visit) -> bool:
    """`person` may verify `visit`: anyone but the volunteer who claimed it."""
    return person.id != visit.user_id


def choose_assignees(area: Area, visits: list[Visit], by: User | None, mode: str) -> dict[int, User | None]:
    """Per visit id, who checks it: never its volunteer. "me": the supervisor who draws (the station's supervisors
    when the draw is scheduled); "other_team": a member of another team than the visit's and the volunteer's, the
    least loaded first. Where nobody fits (the drawer's own visit, a station with one team), the drawer, then the
    station's supervisors, then members of another team; else nobody yet (a supervisor reassigns it)."""
    supervisors = station_supervisors(area)
    members = team_members(area)
    fallback = ([by] if by is not None else []) + [s for s in supervisors if by is None or s.id != by.id]
    load: dict[int, int] = defaultdict(int)
    chosen = {}

    def other_teams(visit: Visit) -> list[User]:
        teams = {visit.team_id, visit.user.team_id} - {None}
        return [member for member in members if member.team_id not in teams and may_check(member, visit)]

    for visit in visits:
        if mode == "other_team":
            pool = other_teams(visit)
        elif by is not None:
            pool = [by] if may_check(by, visit) else []
        else:  # scheduled: spread over the station's supervisors
            pool = [person for person in supervisors if may_check(person, visit)]
        if not pool:
            pool = [person for person in fallback if may_check(person, visit)][:1]
        if not pool:
            pool = other_teams(visit)
        person = min(pool, key=lambda p: (load[p.id], p.id)) if pool else None
        if person is not None:
            load[person.id] += 1
        chosen[visit.id] = person
    return chosen


def draw_round(
    area: Area,
    day: date,
    by: User | None,
    *,
    seed: int | None = None,
    per_volunteer: int | None = None,
    mode: str = "me",
) -> SpotCheckRound:
    """Draw the week's round for a station: a stratified sample of covered households, one check per drawn visit,
    each assigned to someone else. A second round for the same station and week is refused (so is a race: the
    unique constraint), and so is a week with nothing to draw; a refusal writes nothing. `by` is None when the
    draw is scheduled (the command)."""
    if area.level != "station":
        raise Refused(_l("Spot checks are drawn for a station."))
    if by is not None and not (may_draw_spot_checks(by) and by.can_see(area)):
        raise Refused(_l("Only a supervisor of this station draws its spot checks."))
    if mode not in ASSIGN_MODES:
        raise Refused(_l("Choose who checks the households."), "assign")
    if per_volunteer is None:
        per_volunteer = current_app.config["SPOT_CHECK_PER_VOLUNTEER"]
    if not 1 <= per_volunteer <= PER_VOLUNTEER_MAX:
        raise Refused(_l("Draw 1 to %(max)d households per volunteer.", max=PER_VOLUNTEER_MAX), "per_volunteer")
    week_start = week_of(day)[0]
    taken = select(SpotCheckRound.id).where(SpotCheckRound.area_id == area.id, SpotCheckRound.week_start == week_start)
    already = _l("A round was already drawn for this station and week: it is not drawn twice.")
    if db.session.scalar(taken) is not None:
        raise Refused(already, "week")
    strata = week_candidates(area, week_start)
    if not strata:
        raise Refused(_l("Nobody covered a household of this station that week: nothing to draw."), "week")
    seed = secrets.randbelow(INT32_MAX) if seed is None else seed
    drawn = sample(strata, seed, per_volunteer)
    assignees = choose_assignees(area, drawn, by, mode)
    round_ = SpotCheckRound(
        area_id=area.id,
        week_start=week_start,
        seed=seed,
        per_volunteer=per_volunteer,
        created_by_id=by.id if by else None,
    )
    if not add_once(round_):  # another request drew it meanwhile
        raise Refused(already, "week")
    for visit in drawn:
        person = assignees[visit.id]
        db.session.add(
            SpotCheck(
                round_id=round_.id,
                visit_id=visit.id,
                site_id=visit.site_id,
                volunteer_id=visit.user_id,
                assigned_to_id=person.id if person else None,
            )
        )
    db.session.flush()
    event = audit(
        "spot_check_round.draw",
        round_,
        after={
            "area": area.id,
            "week_start": week_start.isoformat(),
            "seed": seed,
            "per_volunteer": per_volunteer,
            "assign": mode,
            "checks": len(drawn),
            "volunteers": len(strata),
        },
    )
    event.area_id = area.id  # filed under the station: its audit trail lists the draw
    return round_


def reassign_check(check: SpotCheck, person: User, by: User) -> None:
    """A supervisor gives an open check to someone else of the station (never the volunteer it checks)."""
    area = check.round.area
    if not (may_draw_spot_checks(by) and by.can_see(area)):
        raise Refused(_l("Only a supervisor of this station reassigns its spot checks."))
    if check.answered_at is not None:
        raise Refused(_l("This spot check was answered already."))
    if person.id == check.volunteer_id:
        raise Refused(_l("A volunteer never checks their own visits."), "assigned_to_id")
    if not (person.is_active and area.contains(person.area)):
        raise Refused(_l("Choose a person of this station."), "assigned_to_id")
    before = {"assigned_to": check.assigned_to_id}
    check.assigned_to_id = person.id
    event = audit("spot_check.assign", check, before=before, after={"assigned_to": person.id})
    event.area_id = area.id
