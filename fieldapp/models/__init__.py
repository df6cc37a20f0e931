"""The domain model, one module per part, re-exported here."""

from fieldapp.models.areas import LEVEL_RANK, LEVELS, Area, archived_along, in_use
from fieldapp.models.audit import AuditEvent
from fieldapp.models.campaigns import TARGET_MEASURES, Campaign, MiniProgram, Target, program_measure
from fieldapp.models.imports import ImportMapping
from fieldapp.models.people import ROLES, TEAM_ROLES, ApiToken, MemberAssignment, Team, TeamMembership, User, team_areas
from fieldapp.models.reports import WeeklyReport
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
from fieldapp.models.visits import (
    DISPUTED_STATUSES,
    OUTCOMES,
    TALLY_FIELDS,
    VISIT_COUNTS,
    DailyTally,
    ProgramDailyTally,
    UserDailyTally,
    Visit,
    VisitProgramRegs,
)

__all__ = [
    "DISPUTED_STATUSES",
    "LEVELS",
    "LEVEL_RANK",
    "OUTCOMES",
    "RESIDENT_STATUSES",
    "ROLES",
    "SITE_KINDS",
    "SITE_STATUSES",
    "TALLY_FIELDS",
    "TARGET_MEASURES",
    "TEAM_ROLES",
    "VISIT_COUNTS",
    "ApiToken",
    "Area",
    "AuditEvent",
    "Campaign",
    "DailyTally",
    "ImportMapping",
    "MemberAssignment",
    "MiniProgram",
    "ProgramDailyTally",
    "Setting",
    "Site",
    "Tag",
    "Target",
    "Team",
    "TeamMembership",
    "User",
    "UserDailyTally",
    "Visit",
    "VisitProgramRegs",
    "WeeklyReport",
    "archived_along",
    "door_label",
    "in_use",
    "mask_name",
    "mask_phone",
    "program_measure",
    "team_areas",
]
