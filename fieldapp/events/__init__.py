"""Outreach events (宣讲): lectures, stalls, school and enterprise talks, trainings, WeChat-group broadcasts.

Counted in people reached (人次) at their area and every area above it (AreaDailyEventTally), in the event's
own transaction; never in household coverage (DailyTally stays the doors' alone).
"""

from flask import Blueprint

bp = Blueprint("events", __name__)

from fieldapp.events import routes  # noqa: E402,F401
