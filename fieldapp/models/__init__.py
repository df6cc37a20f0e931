"""The domain model, one module per part, re-exported here."""

from fieldapp.models.areas import LEVEL_RANK, LEVELS, Area, AreaCountChange, archived_along, in_use
from fieldapp.models.audit import AuditEvent
from fieldapp.models.campaigns import TARGET_MEASURES, Campaign, MiniProgram, Target, program_measure
from fieldapp.models.imports import ImportMapping
from fieldapp.models.jobs import JOB_KINDS, JOB_STATUSES, Job
from fieldapp.models.outreach import (
    EVENT_COUNTS,
    EVENT_KINDS,
    STEP_RESULTS,
    WARNING_STEPS,
    AreaDailyEventTally,
    BackCheck,
    FraudWarning,
    KeyGroup,
    OutreachEvent,
    SiteKeyGroup,
    WarningStep,
)
from fieldapp.models.people import ROLES, TEAM_ROLES, ApiToken, MemberAssignment, Team, TeamMembership, User, team_areas
from fieldapp.models.reports import WeeklyReport, WeeklyReportCache
from fieldapp.models.settings import Setting
from fieldapp.models.sites import (
    RESIDENT_STATUSES,
    SITE_KINDS,
    SITE_STATUSES,
    Site,
    Tag,
    door_label,
    mask_name,
    mask_phone,
)
from fieldapp.models.tallies import TALLY_FIELDS, DailyTally, ProgramDailyTally, UserDailyTally
from fieldapp.models.trust import SPOT_CHECK_METHODS, SPOT_CHECK_RESULTS, SpotCheck, SpotCheckRound, VisitSignal
from fieldapp.models.visits import DISPUTED_STATUSES, OUTCOMES, VISIT_COUNTS, Visit, VisitProgramRegs

__all__ = [
    "DISPUTED_STATUSES",
    "EVENT_COUNTS",
    "EVENT_KINDS",
    "JOB_KINDS",
    "JOB_STATUSES",
    "LEVELS",
    "LEVEL_RANK",
    "OUTCOMES",
    "RESIDENT_STATUSES",
    "ROLES",
    "SITE_KINDS",
    "SITE_STATUSES",
    "SPOT_CHECK_METHODS",
    "SPOT_CHECK_RESULTS",
    "STEP_RESULTS",
    "TALLY_FIELDS",
    "TARGET_MEASURES",
    "TEAM_ROLES",
    "VISIT_COUNTS",
    "WARNING_STEPS",
    "ApiToken",
    "Area",
    "AreaCountChange",
    "AreaDailyEventTally",
    "AuditEvent",
    "BackCheck",
    "Campaign",
    "DailyTally",
    "FraudWarning",
    "ImportMapping",
    "Job",
    "KeyGroup",
    "MemberAssignment",
    "MiniProgram",
    "OutreachEvent",
    "ProgramDailyTally",
    "Setting",
    "Site",
    "SiteKeyGroup",
    "SpotCheck",
    "SpotCheckRound",
    "Tag",
    "Target",
    "Team",
    "TeamMembership",
    "User",
    "UserDailyTally",
    "Visit",
    "VisitProgramRegs",
    "VisitSignal",
    "WarningStep",
    "WeeklyReport",
    "WeeklyReportCache",
    "archived_along",
    "door_label",
    "in_use",
    "mask_name",
    "mask_phone",
    "program_measure",
    "team_areas",
]
