"""The domain model, one module per part, re-exported here."""

from fieldapp.models.areas import LEVEL_RANK, LEVELS, Area, Target
from fieldapp.models.audit import AuditEvent
from fieldapp.models.people import ROLES, TEAM_ROLES, ApiToken, Team, TeamMembership, User, team_areas
from fieldapp.models.reports import WeeklyReport
from fieldapp.models.settings import Setting
from fieldapp.models.sites import RESIDENT_STATUSES, SITE_KINDS, SITE_STATUSES, Site, Tag, door_label, mask_phone
from fieldapp.models.visits import (
    DISPUTED_STATUSES,
    OUTCOMES,
    TALLY_FIELDS,
    VISIT_COUNTS,
    DailyTally,
    UserDailyTally,
    Visit,
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
    "TEAM_ROLES",
    "VISIT_COUNTS",
    "ApiToken",
    "Area",
    "AuditEvent",
    "DailyTally",
    "Setting",
    "Site",
    "Tag",
    "Target",
    "Team",
    "TeamMembership",
    "User",
    "UserDailyTally",
    "Visit",
    "WeeklyReport",
    "door_label",
    "mask_phone",
    "team_areas",
]
