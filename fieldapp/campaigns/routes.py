"""Campaign pages: the list (everyone reads it), a new campaign and its edits (admins), and an area's targets
(supervisors and admins of that area: set them for the current campaign, hand them down to its parts)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from fieldapp.access import found_or_404, visible_area_or_404
from fieldapp.campaigns import bp
from fieldapp.campaigns.forms import CampaignForm, HandDownForm, targets_form
from fieldapp.campaigns.services import create_campaign, update_campaign
from fieldapp.forms import REFUSED, form_page, save
from fieldapp.models import Campaign
from fieldapp.periods import all_campaigns, current_campaign, deadlines
from fieldapp.permissions import may_manage_campaigns, may_set_targets, requires
from fieldapp.targets import field_name, hand_down, measure_labels, set_targets, targets_of


@bp.get("/campaigns")
@login_required
def index():
    """Every campaign, the latest first, the current one marked; past ones stay readable."""
    current = current_campaign()
    return render_template(
        "campaigns/index.html",
        campaigns=all_campaigns(),
        current=current,
        deadlines=deadlines(current),
    )


@bp.route("/campaigns/new", methods=["GET", "POST"])
@login_required
@requires(may_manage_campaigns)
def new():
    form = CampaignForm()
    if form.validate_on_submit():
        campaign = save(form, lambda: create_campaign(current_user, form.values()))
        if campaign is not REFUSED:
            flash(_("Campaign %(name)s created.", name=campaign.name), "success")
            return redirect(url_for("campaigns.index"), code=303)
    return form_page("campaigns/form.html", form, campaign=None)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required
@requires(may_manage_campaigns)
def edit(campaign_id: int):
    campaign = found_or_404(Campaign, campaign_id)
    form = CampaignForm(obj=campaign if request.method == "GET" else None)
    if form.validate_on_submit() and save(form, lambda: update_campaign(campaign, form.values())) is not REFUSED:
        flash(_("Campaign %(name)s saved.", name=campaign.name), "success")
        return redirect(url_for("campaigns.index"), code=303)
    return form_page("campaigns/form.html", form, campaign=campaign)


@bp.route("/areas/<int:area_id>/targets", methods=["GET", "POST"])
@login_required
@requires(may_set_targets)
def targets(area_id: int):
    """This area's targets for the current campaign, one box per figure and mini-program, and its parts'."""
    area = visible_area_or_404(area_id)
    campaign = current_campaign()
    if campaign is None:
        return form_page("campaigns/targets.html", targets_form({}, {}), area=area, campaign=None)
    measures = measure_labels(active_only=True)
    current = targets_of(campaign, [area])[area.id]
    measures.update({m: label for m, label in measure_labels().items() if m in current and m not in measures})
    form = targets_form(measures, current)
    if form.validate_on_submit():
        typed = {measure: form[field_name(measure)].data for measure in measures}
        if save(form, lambda: set_targets(campaign, area, typed, measures)) is not REFUSED:
            flash(_("Targets saved."), "success")
            return redirect(url_for("campaigns.targets", area_id=area.id), code=303)
    return targets_page(form, area, campaign, measures, current)


def targets_page(form, area, campaign, measures, current, hand_down_form=None):
    parts = [child for child in area.children if child.archived_at is None]
    hand_down_form = hand_down_form or HandDownForm(formdata=None)
    hand_down_form.measure.choices = [(m, label) for m, label in measures.items() if m in current]
    return form_page(
        "campaigns/targets.html",
        form,
        area=area,
        campaign=campaign,
        measures=measures,
        current=current,
        parts=parts,
        part_targets=targets_of(campaign, parts),
        hand_down_form=hand_down_form,
    )


@bp.post("/areas/<int:area_id>/targets/hand-down")
@login_required
@requires(may_set_targets)
def hand_down_targets(area_id: int):
    """Split one of this area's targets among its parts (each part's share can then be edited on its own page)."""
    area = visible_area_or_404(area_id)
    campaign = current_campaign()
    if campaign is None:
        abort(404)
    measures = measure_labels()
    current = targets_of(campaign, [area])[area.id]
    form = HandDownForm()
    form.measure.choices = [(m, label) for m, label in measures.items() if m in current]
    if form.validate_on_submit():
        shares = save(form, lambda: hand_down(campaign, area, form.measure.data, form.how.data))
        if shares is not REFUSED:
            flash(ngettext("Handed down to %(num)d part.", "Handed down to %(num)d parts.", len(shares)), "success")
            return redirect(url_for("campaigns.targets", area_id=area.id), code=303)
    page_form = targets_form(measures, current)
    return targets_page(page_form, area, campaign, measures, current, hand_down_form=form)
