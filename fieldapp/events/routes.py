"""Event pages: record one from the phone, an area's events (newest first), one event, its photo, withdrawing it.

Anyone sees the events of their own area (and below); one outside it answers 404. Recording needs
permissions.may_record_events; the place, site and team are checked again by the service.
"""

import uuid
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from fieldapp.access import found_or_404, teams_within, visible_area_or_404, visible_sites
from fieldapp.events import bp
from fieldapp.events.forms import COUNT_LABELS, KIND_LABELS, EventForm, KindFilterForm
from fieldapp.events.photos import PHOTO_UPLOAD_MAX, photo_path
from fieldapp.events.services import record_event, visible_areas_for_events, withdraw_event
from fieldapp.events.summary import area_event_summary
from fieldapp.extensions import db
from fieldapp.forms import REFUSED, ConfirmForm, form_page, save, save_or_flash
from fieldapp.inputs import upload_limit
from fieldapp.labels import LEVEL_INDENT
from fieldapp.models import EVENT_KINDS, Area, OutreachEvent, Site
from fieldapp.permissions import may_record_events, may_withdraw_event, requires
from fieldapp.visits.clock import deployment_zone

#: Events per page of an area's list.
EVENTS_PAGE_SIZE = 30
#: Schools and enterprises offered in the site picker (a district has hundreds; the rest are not typical venues).
SITE_CHOICES_MAX = 300


@bp.app_template_global()
def event_summary(area):
    """For the area page's 宣讲 section: events and 人次 this week and to date, from the rollups."""
    return area_event_summary(area)


def offer_choices(form: EventForm) -> None:
    depth = len(current_user.area.ancestor_ids)
    form.area_id.choices = [
        (area.id, LEVEL_INDENT * (len(area.ancestor_ids) - depth) + area.name)
        for area in visible_areas_for_events(current_user)
    ]
    sites = db.session.scalars(
        visible_sites().where(Site.kind.in_(("school", "enterprise"))).order_by(Site.room).limit(SITE_CHOICES_MAX)
    )
    form.site_id.choices = [(0, _("None"))] + [(site.id, site.room) for site in sites]
    form.team_id.choices = [(0, _("None"))] + [
        (team.id, team.name) for team in db.session.scalars(teams_within(current_user.area))
    ]


def visible_event_or_404(event_id: int) -> OutreachEvent:
    event = found_or_404(OutreachEvent, event_id)
    if not current_user.can_see(event.area):
        abort(404)
    return event


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
@requires(may_record_events)
@upload_limit(PHOTO_UPLOAD_MAX + 64 * 1024)
def new():
    """Record an event; `?area=<id>` picks its place (an area outside mine answers 404)."""
    form = EventForm()
    offer_choices(form)
    if not form.is_submitted():
        # The client id is made when the form opens: a retried submission is recognised as the same event.
        form.client_uuid.data = str(uuid.uuid4())
        area_arg = request.args.get("area", type=int)
        form.area_id.data = visible_area_or_404(area_arg).id if area_arg else current_user.area_id
        form.team_id.data = current_user.team_id or 0
        form.held_at.data = datetime.now(deployment_zone()).replace(tzinfo=None, second=0, microsecond=0)
    elif form.validate():
        upload = form.photo.data if form.photo.data and getattr(form.photo.data, "filename", "") else None
        result = save(form, lambda: record_event(current_user, form.to_input(), form.client_uuid.data, upload))
        if result is not REFUSED:
            event, created = result
            if not current_user.can_see(event.area):  # someone else's id, sent by hand
                abort(404)
            if created:
                flash(_("Event recorded: %(people)s people reached.", people=f"{event.people_reached:,}"), "success")
            return redirect(url_for("events.show", event_id=event.id), code=303)
    return form_page("events/form.html", form, kinds=KIND_LABELS, count_names=COUNT_LABELS)


@bp.get("/areas/<int:area_id>/events")
@login_required
def area_events(area_id: int):
    """The events held in an area and below it, newest first, filtered by kind."""
    area = visible_area_or_404(area_id)
    filters = KindFilterForm(request.args)
    kind = filters.kind.data if filters.kind.data in EVENT_KINDS else None
    page = max(1, request.args.get("page", 1, type=int))
    query = (
        select(OutreachEvent)
        .join(Area, Area.id == OutreachEvent.area_id)
        .where(Area.within(area), OutreachEvent.withdrawn_at.is_(None))
    )
    if kind:
        query = query.where(OutreachEvent.kind == kind)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    events = db.session.scalars(
        query.options(selectinload(OutreachEvent.area), selectinload(OutreachEvent.team))
        .order_by(OutreachEvent.held_at.desc(), OutreachEvent.id.desc())
        .limit(EVENTS_PAGE_SIZE)
        .offset((page - 1) * EVENTS_PAGE_SIZE)
    ).all()
    return render_template(
        "events/list.html",
        area=area,
        events=events,
        filters=filters,
        kind=kind,
        kinds=KIND_LABELS,
        total=total,
        page=page,
        pages=max(1, -(-total // EVENTS_PAGE_SIZE)),
        page_url=lambda number: url_for("events.area_events", area_id=area.id, kind=kind, page=number),
        summary=area_event_summary(area),
    )


@bp.get("/events/<int:event_id>")
@login_required
def show(event_id: int):
    event = visible_event_or_404(event_id)
    return render_template(
        "events/show.html", event=event, kinds=KIND_LABELS, count_names=COUNT_LABELS, form=ConfirmForm()
    )


@bp.post("/events/<int:event_id>/withdraw")
@login_required
def withdraw(event_id: int):
    event = visible_event_or_404(event_id)
    if not may_withdraw_event(current_user, event):
        abort(403)
    if ConfirmForm().validate_on_submit():
        save_or_flash(lambda: withdraw_event(current_user, event), _("Event withdrawn: it no longer counts."))
    return redirect(url_for("events.show", event_id=event.id), code=303)


@bp.get("/events/<int:event_id>/photo")
@login_required
def photo(event_id: int):
    """The event's photo, to those who may see its area only (no-store: it may show faces)."""
    event = visible_event_or_404(event_id)
    path = photo_path(event.photo) if event.photo else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
