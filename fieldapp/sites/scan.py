"""Reaching a household: scan its door tag in the page (/scan), or type the short code printed under it (/code)."""

import re
import unicodedata

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldapp.contacts import retired_tag_page
from fieldapp.extensions import db
from fieldapp.limits import CODE_INPUT_MAX
from fieldapp.models import Tag
from fieldapp.sites import bp

#: Longer than any short code we print (the column holds 12); anything longer is not a code.
MAX_CODE_LENGTH = 12
#: What people type between the groups of a code: spaces of any width and dashes of any kind.
SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−]+")


def normalise_code(raw: str) -> str:
    """ "abcd efgh", "ABCD-EFGH" and full-width "ＡＢＣＤ－ＥＦＧＨ" all become "ABCDEFGH"."""
    half_width = unicodedata.normalize("NFKC", raw)  # full-width letters, digits, dashes and spaces → ASCII
    return SEPARATORS.sub("", half_width).upper()


def scan_page(code: str = "", message=None, status: int = 200):
    return render_template("sites/scan.html", code=code, message=message), status


@bp.get("/scan")
@login_required
def scan():
    """Scan a door tag with the phone's camera, or type its short code."""
    return scan_page()


@bp.get("/code")
@login_required
def by_code():
    """Open the door behind a typed short code. Unknown and out-of-area codes look the same (404)."""
    raw = request.args.get("c", "")
    code = normalise_code(raw) if len(raw) <= CODE_INPUT_MAX else raw
    if not code:
        return scan_page("", _l("Type the code printed under the QR code."), 422)
    if len(code) > MAX_CODE_LENGTH:
        too_long = _l("That is too long for a door code: it has 8 letters and digits.")
        return scan_page(raw[:CODE_INPUT_MAX], too_long, 422)
    tag = db.session.scalar(select(Tag).where(Tag.short_code == code))
    if tag is None or tag.site is None or not current_user.can_see(tag.site.building):
        return scan_page(raw, _l("No door tag has this code, or it is not in your area."), 404)
    if tag.retired_at is not None:
        return retired_tag_page(tag)
    return redirect(url_for("sites.household", token=tag.token), code=303)
