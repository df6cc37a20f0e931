"""A household's whole record for a back-check: every visit, its door tags, the warnings followed up there and
the events held there, and the back-checks already made; as one page and as the case file's XLSX."""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import format_datetime, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from fieldapp import labels
from fieldapp.backchecks.search import address_parts, full_address
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import BackCheck, FraudWarning, OutreachEvent, Site, Visit, WarningStep
from fieldapp.reports.cells import workbook_bytes

#: The GPS checks a visit failed, worded as the daily log's filter words them.
GPS_FLAGS = {"missing": _l("No GPS"), "far": _l("Far from the door"), "inaccurate": _l("Imprecise location")}


def label(table: str, key: str) -> str:
    """A word from labels.py's `table` (EVENT_KINDS, WARNING_STEPS, STEP_RESULTS), in the reader's language."""
    return str(getattr(labels, table)[key])


@dataclass
class CaseFile:
    site: Site
    parts: dict[str, str]
    visits: list[Visit]
    warnings: list[tuple[FraudWarning, list[WarningStep]]]
    events: list[OutreachEvent]
    back_checks: list[BackCheck]
    tags: list = field(default_factory=list)

    @property
    def address(self) -> str:
        return full_address(self.parts)

    @property
    def visited_before(self) -> bool:
        """What the record says: at least one visit that counts (the back-check's prefilled answer)."""
        return any(visit.counts_in_tallies for visit in self.visits)


def case_file(site: Site) -> CaseFile:
    visits = db.session.scalars(
        select(Visit)
        .where(Visit.site_id == site.id)
        .options(joinedload(Visit.user), joinedload(Visit.reviewed_by))
        .order_by(Visit.server_time)
    ).all()
    warnings = db.session.scalars(
        select(FraudWarning)
        .where(FraudWarning.site_id == site.id)  # withdrawn ones too, marked: the inspector sees what was on record
        .order_by(FraudWarning.received_at)
    ).all()
    steps = db.session.scalars(
        select(WarningStep)
        .where(WarningStep.warning_id.in_([warning.id for warning in warnings]))
        .options(joinedload(WarningStep.user))
        .order_by(WarningStep.done_at)
    ).all()
    events = db.session.scalars(
        select(OutreachEvent)
        .where(OutreachEvent.site_id == site.id, OutreachEvent.withdrawn_at.is_(None))
        .options(joinedload(OutreachEvent.recorded_by), joinedload(OutreachEvent.team))
        .order_by(OutreachEvent.held_at)
    ).all()
    back_checks = db.session.scalars(
        select(BackCheck)
        .where(BackCheck.site_id == site.id)
        .options(joinedload(BackCheck.user))
        .order_by(BackCheck.created_at)
    ).all()
    site = db.session.scalar(select(Site).where(Site.id == site.id).options(selectinload(Site.tags)))
    return CaseFile(
        site=site,
        parts=address_parts([site])[site.id],
        visits=list(visits),
        warnings=[(warning, [step for step in steps if step.warning_id == warning.id]) for warning in warnings],
        events=list(events),
        back_checks=list(back_checks),
        tags=list(site.tags),
    )


def local(moment: datetime | None) -> str:
    """A moment as the reader's clock shows it (the deployment's zone), to the minute."""
    return format_datetime(moment, "yyyy-MM-dd HH:mm") if moment else ""


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return gettext("Yes") if value else gettext("No")


def gps_evidence(visit: Visit) -> str:
    """ "38 m · ±12 m · far" or "no GPS": what the supervisor looks at to believe a visit happened there."""
    if visit.gps_missing:
        return gettext("No GPS")
    parts = []
    if visit.distance_m is not None:
        parts.append(gettext("%(metres)d m away", metres=round(visit.distance_m)))
    if visit.accuracy_m is not None:
        parts.append(gettext("±%(metres)d m", metres=round(visit.accuracy_m)))
    parts += [str(GPS_FLAGS[flag]) for flag in visit.gps_flags if flag != "missing"]
    if visit.clock_skewed:
        parts.append(gettext("phone clock off"))
    return " · ".join(parts)


def visit_status(visit: Visit) -> str:
    if visit.undone_at is not None:
        return gettext("undone")
    return str(labels.REVIEW_STATUSES[visit.review_status])


def history_rows(case: CaseFile) -> list[list]:
    """One row per thing that happened at the door, oldest first: what, when, who, and the evidence."""
    rows = []
    for visit in case.visits:
        rows.append(
            [
                gettext("Visit"),
                local(visit.happened_at),
                visit.user.display_name,
                str(labels.OUTCOMES[visit.outcome]),
                visit.people_reached,
                visit.app_installs,
                visit.realname_regs,
                yes_no(visit.notice_signed),
                yes_no(visit.receipt_collected),
                gps_evidence(visit),
                visit_status(visit),
                visit.note,
            ]
        )
    for warning, steps in case.warnings:
        # A withdrawn warning counts nowhere, but was on record: marked, with when and why.
        withdrawn = warning.withdrawn_at is not None
        notes = [gettext("Money stopped") + f": {yes_no(warning.money_stopped)}" if warning.money_stopped else ""]
        if withdrawn:
            when, reason = local(warning.withdrawn_at), warning.withdrawn_reason
            notes.append(gettext("Withdrawn %(when)s: %(reason)s", when=when, reason=reason))
        rows.append(
            [gettext("Warning received"), local(warning.received_at), warning.source, warning.category]
            + [""] * 6
            + [gettext("withdrawn") if withdrawn else "", " · ".join(note for note in notes if note)]
        )
        for step in steps:
            where = gettext("±%(metres)d m", metres=round(step.accuracy_m)) if step.accuracy_m is not None else ""
            rows.append(
                [gettext("Warning follow-up"), local(step.done_at), step.user.display_name]
                + [f"{label('WARNING_STEPS', step.step)}: {label('STEP_RESULTS', step.result)}"]
                + [""] * 5
                + [where or gettext("No GPS"), "", step.note]
            )
    for event in case.events:
        who = event.team.name if event.team else event.recorded_by.display_name
        rows.append(
            [
                gettext("Event"),
                local(event.held_at),
                who,
                event.title or label("EVENT_KINDS", event.kind),
                event.people_reached,
                event.app_installs,
                event.realname_regs,
                *[""] * 4,
                event.note,
            ]
        )
    for tag in case.tags:
        if tag.last_scanned_at is not None:
            rows.append([gettext("Door tag last opened"), local(tag.last_scanned_at), "", tag.short_code] + [""] * 8)
    rows.sort(key=lambda row: row[1])
    return rows


def history_header() -> list[str]:
    return [
        gettext("What"),
        gettext("When"),
        gettext("Who"),
        gettext("Outcome"),
        gettext("People reached"),
        gettext("App installs"),
        gettext("Real-name registrations"),
        gettext("Notice signed"),
        gettext("Receipt collected"),
        gettext("GPS evidence"),
        gettext("Review"),
        gettext("Note"),
    ]


#: The columns of a history row (history_header) that the printed case file shows together as "figures".
FIGURE_COLUMNS = range(4, 9)


@dataclass
class Entry:
    """One line of the printed case file: the XLSX's row, so paper and spreadsheet cannot tell different stories."""

    what: str
    when: str
    who: str
    outcome: str
    figures: list[tuple[str, object]]  # (column name, value), only the ones the row has
    gps: str
    review: str
    note: str


def history_entries(case: CaseFile) -> list[Entry]:
    header = history_header()
    entries = []
    for row in history_rows(case):
        figures = [(header[column], row[column]) for column in FIGURE_COLUMNS if row[column] not in ("", None)]
        entries.append(Entry(*row[:4], figures=figures, gps=row[9], review=row[10], note=row[11] or ""))
    return entries


def case_xlsx(case: CaseFile, reader_name: str) -> bytes:
    """The case file: the household, then its history; one sheet, its header row named for the freeze."""
    site = case.site
    tag = site.active_tag
    top = [
        [gettext("Back-check case file")],
        [gettext("Address"), case.address],
        [gettext("Station"), case.parts["station"]],
        [gettext("Householder"), site.masked_householder],
        [gettext("Phone"), site.masked_phone],
        [gettext("Door code"), tag.short_code if tag else ""],
        [gettext("Visited before"), yes_no(case.visited_before)],
        [gettext("Made by"), f"{reader_name} · {local(utcnow())}"],
        [],
    ]
    header_index = len(top)
    rows = [*top, history_header(), *history_rows(case)]
    checks = [
        [
            gettext("When"),
            gettext("Who"),
            gettext("Case number"),
            gettext("Visited before"),
            gettext("What was missed"),
            gettext("Follow-up action"),
        ]
    ]
    for check in case.back_checks:
        checks.append(
            [
                local(check.created_at),
                check.user.display_name,
                check.case_ref,
                yes_no(check.visited_before),
                check.missed,
                check.action,
            ]
        )
    sheets = [(gettext("Case file"), rows, {0, header_index}, header_index)]
    if case.back_checks:
        sheets.append((gettext("Back-checks"), checks, {0}, 0))
    return workbook_bytes(sheets)
