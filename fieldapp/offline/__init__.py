"""Working without signal: the installable app (manifest, icons, service worker), the offline door
page, the phone's outbox page, and the supervisor's import of an outbox saved as a file."""

from flask import Blueprint

bp = Blueprint("offline", __name__)

from fieldapp.offline import routes  # noqa: E402,F401
