"""The installable app and the pages that work without signal."""

import json

from flask import Response, abort, current_app, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldapp import labels
from fieldapp.api.submit import submit
from fieldapp.audit import audit
from fieldapp.extensions import db
from fieldapp.inputs import upload_limit
from fieldapp.limits import OUTBOX_FILE_MAX
from fieldapp.models import User
from fieldapp.offline import bp
from fieldapp.offline.assets import ICON_SIZES, SCAN_FALLBACK_STATIC, SHELL_STATIC, icon_png, shell_version
from fieldapp.offline.forms import OutboxFileForm
from fieldapp.permissions import may_import_outbox, requires
from fieldapp.programs.services import active_programs
from fieldapp.sites.forms import VisitForm

#: A phone's saved outbox: a few thousand visits at most.
MAX_OUTBOX_FILE = OUTBOX_FILE_MAX
OUTBOX_FILE_FORMAT = "fieldapp-outbox"


@bp.get("/sw.js")
def service_worker():
    """Served from the root so that it may answer for every page of the site."""
    urls = [url_for("offline.shell"), url_for("offline.outbox")]
    urls += [url_for("static", filename=name) for name in (*SHELL_STATIC, *SCAN_FALLBACK_STATIC)]
    urls += [url_for("offline.icon", size=size) for size in ICON_SIZES] + [url_for("offline.manifest")]
    body = render_template("offline/sw.js", version=shell_version(), precache=urls)
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"  # phones must notice a new version at once
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    data = {
        "name": str(labels.PRODUCT_NAME),
        "short_name": str(labels.PRODUCT_NAME),
        "start_url": url_for("core.index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f4f4f1",
        "theme_color": "#b3261e",
        "icons": [
            {"src": url_for("offline.icon", size=size), "sizes": f"{size}x{size}", "type": "image/png"}
            for size in ICON_SIZES
        ],
    }
    return Response(json.dumps(data, ensure_ascii=False), mimetype="application/manifest+json")


@bp.get("/icons/<int:size>.png")
def icon(size: int):
    if size not in ICON_SIZES:
        abort(404)
    response = Response(icon_png(size), mimetype="image/png")
    response.cache_control.max_age = 7 * 24 * 3600
    return response


def shell_page():
    """The page the phone keeps for when it has no signal. It holds nothing personal: what it shows
    (the door, the walk list, the outbox) comes from what this phone saved, read by offline.js."""
    form = VisitForm.with_programs(active_programs())(meta={"csrf": False})
    outcome_labels = {code: str(label) for code, label in labels.OUTCOMES.items()}
    return render_template("offline/shell.html", form=form, outcome_labels=outcome_labels)


@bp.get("/offline")
def shell():
    return shell_page()


@bp.get("/outbox")
def outbox():
    """Visits saved on this phone and not yet sent; the same page as offline, in its outbox view."""
    return shell_page()


@bp.route("/outbox/import", methods=["GET", "POST"])
@upload_limit(MAX_OUTBOX_FILE)
@login_required
@requires(may_import_outbox)
def import_outbox():
    """Last resort: a volunteer's phone cannot send, so its outbox was saved as a file and brought here."""
    form = OutboxFileForm()
    results, volunteer, error = None, None, None
    if form.validate_on_submit():
        try:
            saved = json.loads(form.file.data.read().decode("utf-8-sig"))
            if not isinstance(saved, dict) or saved.get("format") != OUTBOX_FILE_FORMAT:
                raise ValueError
            visits = saved["visits"]
            if not isinstance(visits, list):
                raise ValueError
        except (ValueError, KeyError, UnicodeDecodeError):
            error = _("This is not an outbox file saved by fieldapp.")
        else:
            volunteer = db.session.scalar(select(User).where(User.username == str(saved.get("user"))))
            if volunteer is None or not current_user.can_see(volunteer.area):
                error = _("The volunteer who saved this file is not in your area.")
                volunteer = None
            else:
                results = [submit(item, volunteer, imported_by=current_user) for item in visits]
                summary = {
                    "user": volunteer.username,
                    "visits": len(visits),
                    "recorded": sum(status == 201 for status, _body in results),
                    "already": sum(status == 200 for status, _body in results),
                    "refused": sum(status >= 400 for status, _body in results),
                }
                audit("outbox.import", volunteer, after=summary)
                db.session.commit()
                current_app.logger.info("outbox import %s", summary)
    status = 422 if error or form.errors else 200
    return render_template("offline/import.html", form=form, results=results, volunteer=volunteer, error=error), status
