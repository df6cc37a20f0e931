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
#: What the evidence of a visit showed when it was recorded (the daily log's flags, the map's): GPS far from the
#: door, imprecise or missing, and the phone's clock far off (models.Visit.gps_flags, clock_skewed).
VISIT_FLAGS = {
    "far": _l("Far from the door"),
    "inaccurate": _l("Imprecise location"),
    "missing": _l("No location"),
    "clock": _l("Phone clock off by more than 10 minutes"),
}
#: Why a trust signal (models.VisitSignal.signal) lowered a visit's score, in plain words.
TRUST_SIGNALS = {
    "too_fast": _l("Faster than anyone walks from the volunteer's previous visit"),
    "same_fix": _l("The same position, to the metre, as visits at other doors"),
    "burst": _l("Many visits in a few minutes"),
    "uniform_installs": _l("The same number of installs at every door that day"),
    "outside_area": _l("Recorded outside the area"),
    "clock": _l("The phone's clock was far off"),
    "late_sync": _l("Sent late from the phone's outbox"),
    "failed_spot_check": _l("A spot check found the household was not visited as recorded"),
}
