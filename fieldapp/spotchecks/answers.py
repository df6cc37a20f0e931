"""督察回访 answers: record what a household said, once, and feed a failed answer back into the trust scores of
the visit checked and of the volunteer's other visits that week. Callers commit."""

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp.audit import audit
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.limits import NOTE_MAX
from fieldapp.models import Area, User, Visit, VisitSignal
from fieldapp.models.trust import SPOT_CHECK_METHODS, SPOT_CHECK_RESULTS, SpotCheck
from fieldapp.permissions import may_answer_spot_check
from fieldapp.refusals import Refused
from fieldapp.spotchecks.services import FAILED_RESULTS, FAILED_SIGNAL
from fieldapp.trust.score import add_signal, rescore


def raise_signal(visit: Visit, weight: int, detail: dict) -> None:
    """Leave the failed-check signal on `visit`; where a lighter one is there already (a sibling's failure), the
    heavier weight wins (add_signal keeps a signal once)."""
    if add_signal(visit, FAILED_SIGNAL, weight, detail):
        return
    held = db.session.get(VisitSignal, (visit.id, FAILED_SIGNAL))
    if held.weight < weight:
        held.weight, held.detail = weight, detail
        db.session.flush()
        rescore(visit)


def flag_volunteer(check: SpotCheck) -> int:
    """A failed answer: the checked visit loses SPOT_CHECK_FAILED_WEIGHT, the volunteer's other visits of that week
    in the station SPOT_CHECK_WEEK_WEIGHT, so the review queue (lowest score first) shows them first. Returns how
    many other visits were flagged."""
    config = current_app.config
    raise_signal(check.visit, config["SPOT_CHECK_FAILED_WEIGHT"], {"spot_check": check.id, "result": check.result})
    round_ = check.round
    buildings = select(Area.id).where(Area.level == "building", Area.within(round_.area))
    others = db.session.scalars(
        select(Visit).where(
            Visit.user_id == check.volunteer_id,
            Visit.building_id.in_(buildings),
            Visit.day.between(round_.week_start, round_.week_start + timedelta(days=6)),
            Visit.id != check.visit_id,
            Visit.undone_at.is_(None),
        )
    ).all()
    for visit in others:
        raise_signal(visit, config["SPOT_CHECK_WEEK_WEIGHT"], {"spot_check": check.id, "visit": check.visit_id})
    return len(others)


#: What a household's answer says about the claimed visit: (was visited, app installed); None is not known.
ANSWERS = {
    "confirmed": (True, None),
    "not_visited": (False, False),
    "no_app": (True, False),
    "unreachable": (None, None),
}
assert set(ANSWERS) == set(SPOT_CHECK_RESULTS)


def answer_check(
    user: User,
    check: SpotCheck,
    method: str,
    result: str,
    note: str,
    client_uuid: str,
) -> tuple[SpotCheck, bool]:
    """Record what the household said, once: the same form sent again (a retry, a double tap) changes nothing.
    Returns (check, recorded now). A failed answer flags the volunteer (flag_volunteer)."""
    if check.client_uuid == client_uuid:
        return check, False
    if db.session.scalar(select(SpotCheck.id).where(SpotCheck.client_uuid == client_uuid)) is not None:
        raise Refused(_l("This form is damaged. Reload the page and record the answer again."))
    if not may_answer_spot_check(user, check):
        raise Refused(_l("This spot check is assigned to someone else."))
    if method not in SPOT_CHECK_METHODS:
        raise Refused(_l("Choose how you asked."), "method")
    if result not in SPOT_CHECK_RESULTS:
        raise Refused(_l("Choose what the household said."), "result")
    if len(note) > NOTE_MAX:
        raise Refused(_l("At most %(max)d characters.", max=NOTE_MAX), "note")
    # One answer per check: two phones answering at once are taken one after the other.
    check = db.session.scalar(select(SpotCheck).where(SpotCheck.id == check.id).with_for_update())
    if check.client_uuid == client_uuid:
        return check, False
    if check.answered_at is not None:
        raise Refused(_l("This spot check was answered already."))
    check.client_uuid = client_uuid
    check.answered_at = utcnow()
    check.answered_by_id = user.id
    check.method, check.result, check.note = method, result, note.strip()
    check.was_visited, check.app_installed = ANSWERS[result]
    db.session.flush()
    flagged = flag_volunteer(check) if result in FAILED_RESULTS else 0
    event = audit(
        "spot_check.answer",
        check,
        after={"result": result, "method": method, "visit": check.visit_id, "flagged_visits": flagged},
    )
    event.area_id = check.round.area_id
    return check, True
