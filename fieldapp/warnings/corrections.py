"""What a supervisor changes on a warning after it arrived: route it, withdraw it (retracted, or entered twice),
restore one withdrawn by mistake, correct the facts the platform got wrong. Each audited; callers commit."""

from flask_babel import lazy_gettext as _l

from fieldapp.audit import audit
from fieldapp.models import Area, User
from fieldapp.models.outreach import FraudWarning
from fieldapp.models.sites import mask_phone
from fieldapp.refusals import Refused
from fieldapp.warnings.deadlines import now
from fieldapp.warnings.routing import Lookups, phone_digits
from fieldapp.warnings.services import detail_problems


def route_warning(warning: FraudWarning, area: Area, assignee: User | None, by: User) -> None:
    """A supervisor routes a warning: to an area inside theirs, and a person of that area (or nobody)."""
    if warning.withdrawn_at is not None:
        raise Refused(_l("This warning was withdrawn: nothing more to record."))
    if not by.can_see(area):
        raise Refused(_l("Choose an area inside yours."), "area")
    if assignee is not None and not (assignee.is_active and assignee.can_see(area) and by.can_see(assignee.area)):
        raise Refused(_l("Choose a person of that area."), "assigned_to")
    before = {"area": warning.area_id, "assigned_to": warning.assigned_to_id}
    warning.area_id, warning.assigned_to_id = area.id, assignee.id if assignee else None
    audit("warning.route", warning, before=before, after={"area": area.id, "assigned_to": warning.assigned_to_id})


#: A withdrawal's reason fits fraud_warnings.withdrawn_reason.
REASON_MAX = 200


def withdraw_warning(warning: FraudWarning, reason: str, by: User) -> None:
    """The platform retracted it, or it was entered twice: it leaves Today and every count (received, on time,
    late), and stays, struck, with the reason, for the audit. Warnings are counted from their rows (never
    tallied), so nothing else moves. The caller commits."""
    reason = reason.strip()
    if warning.withdrawn_at is not None:
        raise Refused(_l("This warning was already withdrawn."))
    if not reason:
        raise Refused(_l("Say why the warning is withdrawn."), "reason")
    if len(reason) > REASON_MAX:
        raise Refused(_l("At most %(max)d characters.", max=REASON_MAX), "reason")
    warning.withdrawn_at, warning.withdrawn_by_id, warning.withdrawn_reason = now(), by.id, reason
    audit("warning.withdraw", warning, after={"reason": reason})


def restore_warning(warning: FraudWarning, by: User) -> None:
    """Undo a withdrawal made by mistake (撤回恢复): the warning is back on the lists, Today and every count, with
    the deadlines it had (fixed when it arrived). The withdrawal stays in the audit trail. The caller commits."""
    if warning.withdrawn_at is None:
        raise Refused(_l("This warning is not withdrawn."))
    before = {
        "withdrawn_at": warning.withdrawn_at.isoformat(),
        "withdrawn_by": warning.withdrawn_by_id,
        "reason": warning.withdrawn_reason,
    }
    warning.withdrawn_at, warning.withdrawn_by_id, warning.withdrawn_reason = None, None, ""
    audit("warning.restore", warning, before=before, after={"withdrawn_at": None})


def _audited(warning: FraudWarning) -> dict:
    """What a correction's audit entry shows of a warning, before and after (the phone masked)."""
    return {
        "phone": mask_phone(warning.phone),
        "address": warning.address,
        "category": warning.category,
        "site": warning.site_id,
        "area": warning.area_id,
        "assigned_to": warning.assigned_to_id,
    }


def correct_warning(warning: FraudWarning, phone: str, address: str, category: str, by: User) -> bool:
    """Correct what the platform got wrong: the phone (blank keeps it), the address, the category. When the
    household they find changes, the warning goes where a new warning would (that household's grid and its
    responsible person); when they find none, it stays where it is, for a supervisor to route. Audited with
    phones masked. Returns whether anything changed. The caller commits."""
    if warning.withdrawn_at is not None:
        raise Refused(_l("A withdrawn warning cannot be corrected."))
    problems = detail_problems(phone, address, category)
    if problems:
        raise Refused(problems)
    new_phone = phone_digits(phone) or warning.phone
    before = _audited(warning)
    where_changed = (new_phone, address.strip()) != (warning.phone, warning.address)
    warning.phone, warning.address, warning.category = new_phone, address.strip(), category.strip()
    # Only a changed phone or address looks again: a household found by its door code stays found.
    lookups = Lookups(by, phones=[new_phone or ""], addresses=[warning.address])
    site = lookups.find_household(new_phone, warning.address) if where_changed else warning.site
    if site is not None and site.id != warning.site_id:
        area, assignee = lookups.route(site, warning.area, None)
        warning.site_id, warning.area_id, warning.assigned_to_id = site.id, area.id, assignee and assignee.id
    elif site is None:
        warning.site_id = None  # the old household was found by what was wrong
    after = _audited(warning)
    if after == before:
        return False
    audit("warning.correct", warning, before=before, after=after)
    return True
