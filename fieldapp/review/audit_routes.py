"""The audit viewer: admins and supervisors read their area's audit trail, filtered by who, what and when."""

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldapp.access import visible_area_or_404
from fieldapp.permissions import may_read_audit, requires
from fieldapp.review import bp
from fieldapp.review.audit_trail import AUDIT_PAGE_SIZE, TrailFilter, area_names, trail_choices, trail_page
from fieldapp.review.forms import TrailFilterForm

#: The query parameters that make up the viewer's view.
TRAIL_ARGS = ("area", "who", "what", "first", "last")


@bp.get("/audit")
@login_required
@requires(may_read_audit)
def audit_trail():
    """Who did what in my area, newest first: changes, downloads and readings of personal data."""
    area = visible_area_or_404(request.args.get("area", current_user.area_id, type=int))
    actions, people = trail_choices(current_user, area)
    form = TrailFilterForm(request.args)
    form.who.choices = [(0, _("Everyone")), *[(person.id, person.display_name) for person in people]]
    form.what.choices = [
        ("", _("Everything")),
        ("downloads", _("Downloads")),
        ("personal", _("Personal data shown or handed out")),
        *[(action, action) for action in actions],
    ]
    form.validate()
    if form.first.data and form.last.data and form.first.data > form.last.data and not form.last.errors:
        form.last.errors = [_("The last day comes before the first.")]

    def good(field):
        return None if field.errors else field.data

    trail = TrailFilter(who=good(form.who) or None, what=good(form.what) or None, first=good(form.first))
    trail.last = good(form.last)
    page = max(1, request.args.get("page", 1, type=int))
    events, total = trail_page(current_user, area, trail, page)
    args = {name: request.args[name] for name in TRAIL_ARGS if request.args.get(name)}
    return render_template(
        "review/audit.html",
        area=area,
        form=form,
        events=events,
        area_names=area_names(events),
        total=total,
        page=page,
        pages=max(1, -(-total // AUDIT_PAGE_SIZE)),
        page_url=lambda number: url_for("review.audit_trail", **{**args, "area": area.id, "page": number}),
    )
