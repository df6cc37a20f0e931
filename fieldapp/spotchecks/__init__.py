"""督察回访 (spot checks): each week a random sample of the households a station's volunteers covered is drawn,
every volunteer sampled, and someone else asks each household by phone or in person whether the visit happened.
A failed answer lowers the trust score of that visit and of the volunteer's other visits of the week."""

from flask import Blueprint

bp = Blueprint("spotchecks", __name__)

from fieldapp.spotchecks import routes  # noqa: E402,F401
