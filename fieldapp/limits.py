"""Field limits, in one place: the pages' forms, the API's models, its OpenAPI document and the front end
all read them from here, so a limit can never be checked one way and documented another."""

from datetime import timedelta

#: How long a mis-tap may be taken back: a volunteer's own visit, a door marked moved out.
UNDO_WINDOW = timedelta(minutes=5)

#: The largest number an INTEGER column holds on both databases (ids, offsets in seconds).
INT32_MAX = 2**31 - 1

#: More than this many at one door is a typing mistake, not a household (people reached, installs...).
MAX_COUNT = 99
#: People reached may exceed the registered residents (visitors, relatives), but not by more than this.
EXTRA_PEOPLE_ALLOWED = 20

#: People living at one door, as a roster says: more is a typing mistake.
MAX_RESIDENTS = 99
#: A door's unit (单元) and room (室 / 门牌), as the columns hold them.
UNIT_MAX = 20
ROOM_MAX = 40
#: A householder's name (户主) as a roster gives it: the column is 40 characters wide.
HOUSEHOLDER_MAX = 40
#: Floors from the deepest basement to the tallest tower, as (lowest, highest).
FLOOR_RANGE = (-9, 300)
#: A station's, community's, grid's or building's name.
AREA_NAME_MAX = 100
#: A team's name (teams.name).
TEAM_NAME_MAX = 100
#: A mini-program's name (mini_programs.name), e.g. 金钟罩.
PROGRAM_NAME_MAX = 50
#: Mini-programs one visit may count (the API's `program_regs`): a district keeps a handful.
PROGRAMS_PER_VISIT_MAX = 50

#: A note on a visit, a correction's reason, a review comment: a few sentences.
NOTE_MAX = 500
#: A door tag's token is 16 characters; anything much longer is not one of ours.
TAG_MAX = 32

#: What may be typed as a door's short code (8 characters, with spaces and dashes); longer is refused unread.
CODE_INPUT_MAX = 64

#: Where a GPS fix may lie, and how vague it may claim to be (metres), as (lowest, highest).
LAT_RANGE = (-90.0, 90.0)
LON_RANGE = (-180.0, 180.0)
ACCURACY_RANGE = (0.0, 1_000_000.0)

#: The most visits one API batch may carry; a phone's outbox sends in chunks no larger.
BATCH_LIMIT = 100
#: Buildings in a walk list: a day's work is far fewer; the rest is reached through the area pages.
WALK_LIST_LIMIT = 200
#: Buildings in the walk list a phone keeps for offline use, unless it asks for another number.
WALK_LIST_DEFAULT = 30

#: A roster file (CSV or XLSX) as uploaded: 100,000 rows fit (an XLSX of that many is about 4 MB).
ROSTER_UPLOAD_MAX = 16 * 1024 * 1024
#: An accounts file (CSV or XLSX): a district's few hundred volunteers fit many times over.
ACCOUNTS_UPLOAD_MAX = 1024 * 1024
#: Rows of one accounts import, and login cards printed at once: a station's briefing is some tens of people.
#: Each account costs password hashes in the request (scrypt, 0.13 s measured): an imported one two (create_user,
#: then its one-time code), a reprinted card one. So 100 rows take about 26 s, 200 cards about 26 s.
ACCOUNTS_IMPORT_ROWS_MAX = 100
LOGIN_CARDS_MAX = 200
#: A person's phone as users.phone holds it: digits, an optional leading +.
PHONE_MAX = 20
#: A username: USERNAME_MIN to USERNAME_MAX letters, digits, dots, dashes or underscores (users.username).
USERNAME_MIN = 3
USERNAME_MAX = 64
#: A person's name as shown in histories (users.display_name).
DISPLAY_NAME_MAX = 100
#: A phone's saved outbox file: a few thousand visits at most.
OUTBOX_FILE_MAX = 4 * 1024 * 1024
#: What an XLSX may unpack to, all its zip members together: 100,000 roster rows take about 63 MB.
XLSX_UNPACKED_MAX = 100 * 1024 * 1024
#: How many times its own size an XLSX may unpack to: real rosters measure 5 to 20, a zip bomb hundreds.
XLSX_RATIO_MAX = 100

#: A password, wherever it is set (the admin's new-account form, `flask create-user`, changing one's own):
#: at least PASSWORD_MIN characters (OWASP ASVS 2.1.1), at most PASSWORD_MAX (hashing a huge one is an attack).
PASSWORD_MIN = 12
PASSWORD_MAX = 256

#: API keys: valid for this many days unless the admin picks another number, at most KEY_DAYS_MAX.
KEY_DAYS_DEFAULT = 90
KEY_DAYS_MAX = 365

#: A person's own phone number as the column holds it (digits, perhaps a leading + and spaces or dashes).
PHONE_MAX = 20

#: A campaign's name (campaigns.name).
CAMPAIGN_NAME_MAX = 100
#: A target (任务数) for one area and one figure: a district's households or installs are some hundred thousands;
#: more than this is a typing mistake.
TARGET_MAX = 10_000_000

#: A key group's name (key_groups.name), e.g. 独居老人.
KEY_GROUP_NAME_MAX = 40
#: A key group's revisit interval in days: a year at most (more is a typing mistake).
REVISIT_DAYS_MAX = 365
#: Counts of one talk at a shop, enterprise or school (a class, a canteen): not capped by residents, but more
#: than this at one door is a typing mistake (an event of hundreds is recorded as a 宣讲 event).
SITE_COUNT_MAX = 999
#: A 预警's text fields, as fraud_warnings holds them (the forms, the import and the API's feed).
WARNING_FIELD_MAX = {"external_id": 64, "address": 200, "category": 40, "source": 40}
#: A warning's phone: 7 to 20 digits (the API's feed sends digits only, an optional + first).
WARNING_PHONE_DIGITS = (7, 20)
