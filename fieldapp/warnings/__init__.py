"""预警劝阻: fraud warnings entered, imported or fed by the API, routed to a household's area and a person, and
followed up by a call at once and a face-to-face visit within hours, each against its deadline."""

from flask import Blueprint

bp = Blueprint("warnings", __name__)

from fieldapp.warnings import routes  # noqa: E402,F401
