"""What the interface calls each stored code, in the user's language (one place for every template)."""

from flask_babel import lazy_gettext as _l

#: The product's one name per language (page titles, the header, the home-screen app, PDFs, `make run`'s banner).
PRODUCT_NAME = _l("Door-to-door anti-fraud")

OUTCOMES = {
    "talked": _l("Talked"),
    "not_home": _l("Not home"),
    "refused": _l("Refused"),
    "vacant": _l("Vacant / moved"),
}
SITE_KINDS = {"household": _l("Household"), "shop": _l("Shop"), "enterprise": _l("Enterprise"), "school": _l("School")}
#: A site's facts as a roster import names them when it changes one.
SITE_FIELDS = {
    "floor": _l("Floor"),
    "residents": _l("Residents"),
    "kind": _l("Kind"),
    "status": _l("Status"),
    "contact_phone": _l("Phone"),
    "householder": _l("Householder"),
    "lat": _l("Latitude"),
    "lon": _l("Longitude"),
    "key_groups": _l("Key groups"),
}
SITE_STATUSES = {
    "occupied": _l("Occupied"),
    "vacant": _l("Vacant"),
    "moved_out": _l("Moved out"),
    "new": _l("Newly moved in"),
}
#: Outreach events (宣讲) by kind (models.EVENT_KINDS), in the order the form offers them.
EVENT_KINDS = {
    "lecture": _l("Lecture"),
    "stall": _l("Outdoor stall"),
    "school": _l("School talk"),
    "enterprise": _l("Enterprise talk"),
    "training": _l("Training"),
    "wechat": _l("WeChat group broadcast"),
}
#: An event's figures (models.EVENT_COUNTS), as the form, the list and the weekly report name them.
EVENT_COUNTS = {
    "people_reached": _l("People reached (人次)"),
    "leaflets": _l("Leaflets"),
    "posters": _l("Posters"),
    "letters": _l("Letters to residents"),
    "app_installs": _l("App installs"),
    "realname_regs": _l("Real-name registrations"),
    "miniprogram_regs": _l("Mini-program registrations"),
}
#: A warning's follow-up steps (models.WARNING_STEPS) and their results (models.STEP_RESULTS).
WARNING_STEPS = {"call": _l("Call"), "visit": _l("Face-to-face visit")}
STEP_RESULTS = {
    "reached": _l("Reached"),
    "not_reached": _l("Not reached"),
    "done": _l("Met face to face"),
    "refused": _l("Refused"),
    "not_found": _l("Not found"),
}
#: A full-width space per level keeps a list of areas readable as a tree (a browser keeps it in an <option>).
LEVEL_INDENT = "\u3000"

LEVELS = {
    "district": _l("District"),
    "station": _l("Station"),
    "community": _l("Community / village"),
    "grid": _l("Grid"),
    "building": _l("Building"),
}
ROLES = {
    "volunteer": _l("Volunteer"),
    "lead": _l("Building lead"),
    "supervisor": _l("Supervisor"),
    "admin": _l("Admin"),
}
#: A member's part in a "1+2+N" team (models.TEAM_ROLES).
TEAM_ROLES = {
    "leader": _l("Leader (police officer)"),
    "grid_worker": _l("Grid worker"),
    "volunteer": _l("Volunteer"),
}
REVIEW_STATUSES = {
    "pending": _l("Not reviewed"),
    "approved": _l("Approved"),
    "has_issues": _l("Has issues"),
    "rejected": _l("Rejected"),
}
#: The figures a target (任务数) is set for (models.TARGET_MEASURES); a mini-program's are named after it.
MEASURES = {
    "households_covered": _l("Households visited"),
    "people_reached": _l("People reached"),
    "app_installs": _l("App installs"),
    "realname_regs": _l("Real-name registrations"),
    "miniprogram_regs": _l("Mini-program registrations"),
}
#: A campaign's deadlines (periods.deadlines).
DEADLINES = {
    "first_round": _l("First round of visits by"),
    "complete": _l("Full coverage by"),
    "end": _l("Campaign ends"),
}
#: Why a visit looks wrong, in plain words, formatted with the facts its signal measured (trust.signals.reason);
#: the codes are models.trust signals (trust.signals.SIGNALS).
TRUST_SIGNALS = {
    "too_fast": _l("%(kmh)d km/h from the previous door"),
    "same_fix": _l("The same location (to the metre) on %(doors)d doors today"),
    "burst": _l("%(visits)d visits in %(minutes)d minutes"),
    "uniform_installs": _l("%(visits)d talks today, all with the same number of installs: %(installs)d"),
    "outside_area": _l("Recorded %(m)d m outside the area's buildings"),
    "clock": _l("Phone clock off by %(minutes)d min"),
    "late_sync": _l("Sent %(hours)d hours after it was recorded"),
    "failed_spot_check": _l("A spot check of this volunteer's visits failed"),
}
#: The same signals named short, for the daily log's filter.
TRUST_SIGNAL_NAMES = {
    "too_fast": _l("Faster than walking"),
    "same_fix": _l("Same location on many doors"),
    "burst": _l("Many visits in minutes"),
    "uniform_installs": _l("Same installs at every door"),
    "outside_area": _l("Outside the area"),
    "clock": _l("Phone clock off"),
    "late_sync": _l("Sent late"),
    "failed_spot_check": _l("Failed spot check"),
}


#: What a spot check (督察回访) found (models.SPOT_CHECK_RESULTS).
SPOT_CHECK_RESULTS = {
    "confirmed": _l("Yes, visited"),
    "not_visited": _l("Nobody came"),
    "no_app": _l("Came, no app"),
    "unreachable": _l("Unreachable"),
}
#: How the household was asked (models.SPOT_CHECK_METHODS).
SPOT_CHECK_METHODS = {"phone": _l("By phone"), "in_person": _l("In person")}
#: What the evidence of a visit showed when it was recorded (the daily log's flags, the map's): GPS far from the
#: door, imprecise or missing, and the phone's clock far off (models.Visit.gps_flags, clock_skewed).
VISIT_FLAGS = {
    "far": _l("Far from the door"),
    "inaccurate": _l("Imprecise location"),
    "missing": _l("No location"),
    "rapid": _l("Within a minute of the last visit"),
    "clock": _l("Phone clock off by 10+ minutes"),
}
