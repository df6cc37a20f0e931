"""Targets (任务数): set for an area and a campaign, per figure, and handed down to the area's parts.

A target's measure is one of models.TARGET_MEASURES or a mini-program's "program:<id>". Handing down splits a
whole among the parts evenly or by resident households, with largest-remainder rounding: the parts always sum
exactly to the whole. Every change is audited with the values before and after.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp import labels
from fieldapp.audit import audit
from fieldapp.extensions import db
from fieldapp.limits import TARGET_MAX
from fieldapp.models import TARGET_MEASURES, Area, Campaign, MiniProgram, Target, program_measure
from fieldapp.refusals import Refused

#: How a target may be handed down to an area's parts.
SPLITS = ("evenly", "households")


def measure_labels(active_only: bool = False) -> dict[str, str]:
    """measure -> what the pages call it, in order: the fixed figures, then each mini-program by name."""
    programs = select(MiniProgram).order_by(MiniProgram.id)
    if active_only:
        programs = programs.where(MiniProgram.active)
    named = {measure: labels.MEASURES[measure] for measure in TARGET_MEASURES}
    for program in db.session.scalars(programs):
        named[program_measure(program.id)] = program.name
    return named


def field_name(measure: str) -> str:
    """A form field's name for a measure ("program:3" -> "program_3")."""
    return measure.replace(":", "_")


def parse_value(text: str | None) -> int | None:
    """A target as typed: blank is "no target"; else a whole number from 0 to TARGET_MAX, or Refused."""
    text = (text or "").strip().replace(",", "").replace("，", "")
    if not text:
        return None
    if not text.isascii() or not text.lstrip("-").isdigit():
        raise Refused(_l("Enter a whole number, e.g. 2000."))
    value = int(text)
    if value < 0:
        raise Refused(_l("A target cannot be negative."))
    if value > TARGET_MAX:
        raise Refused(_l("At most %(max)s: check the number.", max=f"{TARGET_MAX:,}"))
    return value


def targets_of(campaign: Campaign, areas: list[Area]) -> dict[int, dict[str, int]]:
    """{area id: {measure: value}} for the campaign."""
    found: dict[int, dict[str, int]] = {area.id: {} for area in areas}
    rows = db.session.scalars(select(Target).where(Target.campaign_id == campaign.id, Target.area_id.in_(list(found))))
    for target in rows:
        found[target.area_id][target.measure] = target.value
    return found


def set_targets(campaign: Campaign, area: Area, typed: dict[str, str | None], measures) -> dict[str, int]:
    """Set the area's targets from typed text per measure (blank removes one). Checks every value before writing
    any: a refusal names each bad field, and nothing is written. The caller commits."""
    values, problems = {}, {}
    for measure in measures:
        try:
            values[measure] = parse_value(typed.get(measure))
        except Refused as refused:
            problems[field_name(measure)] = refused.message
    if problems:
        raise Refused(problems)
    before = targets_of(campaign, [area])[area.id]
    _write(campaign, area, {m: v for m, v in values.items() if v != before.get(m)}, before)
    return values


def split_parts(whole: int, weights: list[int]) -> list[int]:
    """`whole` split in proportion to `weights` with largest-remainder rounding: the parts sum to `whole` exactly
    (ties go to the earlier part). Weights all zero split evenly."""
    if not weights:
        return []
    if not any(weights):
        weights = [1] * len(weights)
    total = sum(weights)
    quotients = [divmod(whole * weight, total) for weight in weights]
    parts = [quotient for quotient, _rest in quotients]
    short = whole - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-quotients[i][1], i))
    for i in by_remainder[:short]:
        parts[i] += 1
    return parts


def hand_down(campaign: Campaign, area: Area, measure: str, how: str) -> dict[Area, int]:
    """Split the area's target for `measure` among its parts (evenly, or by resident households), replacing
    their targets for it. The caller commits."""
    whole = targets_of(campaign, [area])[area.id].get(measure)
    if whole is None:
        raise Refused(_l("Set this area's own target first, then hand it down."), "measure")
    parts = [child for child in area.children if child.archived_at is None]
    if not parts:
        raise Refused(_l("This area has no parts to hand a target down to."))
    if how == "households":
        if not any(child.resident_households for child in parts):
            raise Refused(_l("Its parts have no resident households yet: split evenly instead."), "how")
        weights = [child.resident_households for child in parts]
    else:
        weights = [1] * len(parts)
    shares = dict(zip(parts, split_parts(whole, weights), strict=True))
    before = targets_of(campaign, parts)
    for child, value in shares.items():
        if before[child.id].get(measure) != value:
            _write(campaign, child, {measure: value}, before[child.id])
    return shares


def _write(campaign: Campaign, area: Area, changes: dict[str, int | None], before: dict[str, int]) -> None:
    """Apply {measure: new value or None} to the area's targets, one audit event for them all."""
    if not changes:
        return
    existing = {
        target.measure: target
        for target in db.session.scalars(
            select(Target).where(
                Target.campaign_id == campaign.id, Target.area_id == area.id, Target.measure.in_(list(changes))
            )
        )
    }
    for measure, value in changes.items():
        target = existing.get(measure)
        if value is None:
            if target is not None:
                db.session.delete(target)
        elif target is None:
            db.session.add(Target(campaign_id=campaign.id, area_id=area.id, measure=measure, value=value))
        else:
            target.value = value
    db.session.flush()
    audit(
        "target.set",
        area,
        before={"campaign_id": campaign.id, **{m: before.get(m) for m in changes}},
        after={"campaign_id": campaign.id, **changes},
    )
