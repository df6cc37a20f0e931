"""Reaching a door without the phone's camera app: the in-page scanner and the short code under the QR."""

import unicodedata

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Tag
from fieldapp.sites import bp
from fieldapp.sites.services import SHORT_CODE_ALPHABET

SHORT_CODE_LENGTH = 8


def normalise_code(raw: str) -> str:
    """What a person typed into what we printed: full-width to half-width (NFKC), no spaces or dashes, upper case."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-_—").upper()


@bp.get("/scan")
@login_required
def scan():
    """Scan a door tag with the camera, or type the code printed under it."""
    return render_template("sites/scan.html", code="")


@bp.get("/code")
@login_required
def by_code():
    """The door behind a typed short code; a code that leads nowhere says so and changes nothing."""
    code = normalise_code(request.args.get("c", ""))
    if len(code) != SHORT_CODE_LENGTH or not set(code) <= set(SHORT_CODE_ALPHABET):
        message = _("A door code has 8 letters and digits, as printed under the QR code.")
        return render_template("sites/scan.html", code=code, message=message), 422
    tag = db.session.scalar(select(Tag).where(Tag.short_code == code))
    if tag is None or tag.site is None or not current_user.can_see(tag.site.building):
        message = _("No door tag has this code, or it is not in your area.")
        return render_template("sites/scan.html", code=code, message=message), 404
    if tag.retired_at is not None:
        return render_template("sites/tag_retired.html", tag=tag), 410
    return redirect(url_for("sites.household", token=tag.token), code=303)
