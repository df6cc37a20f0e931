"""The back-check pages: the search box, a household's whole record with the conclusion form, the case file."""

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from fieldapp.access import visible_site_or_404
from fieldapp.audit import audit_download
from fieldapp.backchecks import bp
from fieldapp.backchecks.casefile import (
    GPS_FLAGS,
    case_file,
    case_xlsx,
    gps_evidence,
    history_entries,
    label,
    local,
    yes_no,
)
from fieldapp.backchecks.forms import BackCheckForm
from fieldapp.backchecks.search import address_parts, full_address, load_for_results, search
from fieldapp.backchecks.services import back_check_counts, record_back_check
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.permissions import may_back_check, requires

#: Longer text in the box is not an address: refused with a sentence rather than searched.
QUERY_MAX = 100


@bp.app_context_processor
def area_counts_helper():
    """`back_check_counts(area)` for the area page's section (templates/backchecks/_area_counts.html)."""
    return {"back_check_counts": back_check_counts}


@bp.get("/backchecks")
@login_required
@requires(may_back_check)
def search_page():
    """One box: address, door code, last four phone digits or householder; results inside the user's area."""
    text = request.args.get("q", "").strip()
    hits, too_broad, problem = [], False, None
    if len(text) > QUERY_MAX:
        problem = gettext("Type at most %(max)d characters.", max=QUERY_MAX)
    elif text:
        hits, too_broad = search(current_user.area, text)
        load_for_results(hits)
    parts = address_parts([hit.site for hit in hits])
    return render_template(
        "backchecks/search.html",
        text=text[:QUERY_MAX],
        hits=hits,
        parts=parts,
        full_address=full_address,
        too_broad=too_broad,
        problem=problem,
    )


def _household_page(site, form: BackCheckForm, status: int = 200):
    case = case_file(site)
    if not form.is_submitted():
        form.client_uuid.data = BackCheckForm.new_uuid()
        form.visited_before.data = "yes" if case.visited_before else "no"
    page = render_template(
        "backchecks/household.html",
        case=case,
        form=form,
        local=local,
        gps_evidence=gps_evidence,
        gps_flags=GPS_FLAGS,
        label=label,
        query=request.args.get("q", ""),
    )
    return page, status


@bp.get("/backchecks/sites/<int:site_id>")
@login_required
@requires(may_back_check)
def household(site_id: int):
    site = visible_site_or_404(site_id)
    return _household_page(site, BackCheckForm(formdata=None))


@bp.post("/backchecks/sites/<int:site_id>")
@login_required
@requires(may_back_check)
def record(site_id: int):
    """The conclusion, once per client id: a second send of the same form changes nothing and says so."""
    site = visible_site_or_404(site_id)
    form = BackCheckForm()
    if not form.validate():
        return _household_page(site, form, 422)
    data = {
        "client_uuid": form.client_uuid.data,
        "case_ref": form.case_ref.data or "",
        "visited_before": form.visited_before.data == "yes",
        "missed": form.missed.data or "",
        "action": form.action.data or "",
    }
    _check, created = record_back_check(site, current_user, data)
    db.session.commit()
    flash(gettext("Back-check recorded.") if created else gettext("This back-check was already recorded."), "success")
    return redirect(url_for("backchecks.household", site_id=site.id), code=303)


@bp.get("/backchecks/sites/<int:site_id>/case.xlsx")
@login_required
@requires(may_back_check)
def case_download(site_id: int):
    """The case file in the reader's language; audited like every download of personal history."""
    site = visible_site_or_404(site_id)
    case = case_file(site)
    data = case_xlsx(case, current_user.display_name)
    audit_download("backcheck.case_file", site, after={"format": "xlsx", "visits": len(case.visits)})
    response = send_file(
        io.BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"case-file-{site_id}.xlsx",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/backchecks/sites/<int:site_id>/print")
@login_required
@requires(may_back_check)
def case_print(site_id: int):
    """The case file as an A4 page to print or save as PDF (the browser's own print); audited like the XLSX."""
    site = visible_site_or_404(site_id)
    case = case_file(site)
    page = render_template(
        "backchecks/print.html",
        case=case,
        entries=history_entries(case),
        local=local,
        yes_no=yes_no,
        printed_by=current_user.display_name,
        printed_at=local(utcnow()),
    )
    audit_download("backcheck.case_file", site, after={"format": "print", "visits": len(case.visits)})
    return page
