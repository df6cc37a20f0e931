"""Recording a back-check (once per client id, audited) and counting them per area."""

from sqlalchemy import case, func, select

from fieldapp.audit import audit
from fieldapp.database import add_once
from fieldapp.extensions import db
from fieldapp.models import Area, BackCheck, Site, User
from fieldapp.periods import week_bounds
from fieldapp.visits.clock import local_day_start, local_today


def record_back_check(site: Site, user: User, data: dict) -> tuple[BackCheck, bool]:
    """Store the conclusion, or hand back the one already stored under this client_uuid (a double send, a
    reload): (back-check, whether it is new). The caller commits."""
    existing = db.session.scalar(select(BackCheck).where(BackCheck.client_uuid == data["client_uuid"]))
    if existing is not None:
        return existing, False
    check = BackCheck(
        client_uuid=data["client_uuid"],
        site_id=site.id,
        area_id=site.building_id,
        user_id=user.id,
        case_ref=data["case_ref"].strip(),
        visited_before=data["visited_before"],
        missed=data["missed"].strip(),
        action=data["action"].strip(),
    )
    if not add_once(check):  # two sends racing: the second finds the first's row
        existing = db.session.scalar(select(BackCheck).where(BackCheck.client_uuid == data["client_uuid"]))
        return existing, False
    audit(
        "backcheck.record",
        check,
        after={
            "site_id": site.id,
            "case_ref": check.case_ref,
            "visited_before": check.visited_before,
            "missed": check.missed,
            "action": check.action,
        },
    )
    return check, True


def back_check_counts(area: Area) -> dict:
    """Back-checks of households at or below `area`: this report week, to date, and the share visited before."""
    week_start = local_day_start(week_bounds(local_today())[0])
    row = db.session.execute(
        select(
            func.count(BackCheck.id),
            func.count(case((BackCheck.created_at >= week_start, 1))),
            func.count(case((BackCheck.visited_before.is_(True), 1))),
        )
        .join(Area, Area.id == BackCheck.area_id)
        .where(Area.within(area))
    ).one()
    total, week, visited = row
    return {"total": total, "week": week, "visited_share": 100 * visited / total if total else None}
