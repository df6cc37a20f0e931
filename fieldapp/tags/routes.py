"""Door tags of a building or grid: print sheets (PDF) and single labels (PNG), reprint, blank tags, binding, report."""

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from fieldapp.access import visible_area_or_404, visible_site_or_404, visible_tag_by_id_or_404, visible_tag_or_404
from fieldapp.audit import audit_download
from fieldapp.contacts import retired_tag_page
from fieldapp.extensions import db
from fieldapp.forms import REFUSED, form_page, save
from fieldapp.models import Area, Site, Tag
from fieldapp.permissions import may_edit_roster, requires
from fieldapp.tags import bp
from fieldapp.tags.forms import BindForm, BlankTagsForm, ChooseForm
from fieldapp.tags.jobs import PRINTABLE_LEVELS, QUEUE_OVER, label_download, queue_labels
from fieldapp.tags.labels import BaseUrlMissing, labels_for
from fieldapp.tags.services import (
    bind_tag,
    bindable_sites,
    blank_tags,
    mint_blank_tags,
    mint_missing_tags,
    mint_tags_for,
    note_scan,
    reprint_tag,
    sites_under,
    untagged_sites,
)
from fieldapp.tags.sheet import FontMissing, cached_font_file, label_png, labels_zip, sheet_pdf

#: Rows listed in the report; beyond that only counted.
REPORT_ROWS = 100


def door_tags(area: Area, site_ids: list[int] | None = None) -> list[Tag]:
    """Live tags bound to doors under `area` (optionally only those of `site_ids`), in door order."""
    query = sites_under(area).options(selectinload(Site.tags), selectinload(Site.building))
    if site_ids:
        query = query.where(Site.id.in_(site_ids))
    return [site.active_tag for site in db.session.scalars(query) if site.active_tag is not None]


@bp.get("/areas/<int:area_id>/tags")
@login_required
@requires(may_edit_roster)
def area_tags(area_id: int):
    """Print this building's (or grid's) door tags, blank tags, and see which tags were never used."""
    area = visible_area_or_404(area_id, *PRINTABLE_LEVELS)
    sites = db.session.scalars(sites_under(area).options(selectinload(Site.tags))).all()
    live = [site for site in sites if site.status != "moved_out"]
    untagged = [site for site in live if site.active_tag is None]
    tagged = [site for site in live if site.active_tag is not None]
    never_scanned = [site for site in tagged if site.active_tag.last_scanned_at is None]
    blanks = db.session.scalars(blank_tags(area)).all()
    return render_template(
        "tags/area.html",
        area=area,
        untagged=untagged,
        tagged=tagged,
        never_scanned=never_scanned,
        blanks=blanks,
        limit=REPORT_ROWS,
        form=BlankTagsForm(),
    )


@bp.app_template_global()
def doors_without_tag(area: Area) -> int:
    """How many doors of `area` still lived in have no tag: the gap the door list and roster show."""
    return db.session.scalar(select(func.count()).select_from(untagged_sites(area).order_by(None).subquery()))


@bp.post("/areas/<int:area_id>/tags/mint")
@login_required
@requires(may_edit_roster)
def mint(area_id: int):
    """Make tags for the doors that have none yet, then print: the tags page, or (print=1) the sheet of just those."""
    area = visible_area_or_404(area_id, *PRINTABLE_LEVELS)
    minted = mint_missing_tags(area)
    db.session.commit()
    flash(
        ngettext(
            "%(num)d new tag made. Print the sheet and stick it on its door.",
            "%(num)d new tags made. Print the sheet and stick them on the doors.",
            len(minted),
        ),
        "success",
    )
    if minted and request.form.get("print"):
        sheet_of_minted = url_for("tags.sheet", area_id=area.id, fmt="pdf", site=[tag.site_id for tag in minted])
        return redirect(sheet_of_minted, code=303)
    return redirect(url_for("tags.area_tags", area_id=area.id), code=303)


@bp.post("/areas/<int:area_id>/tags/blank")
@login_required
@requires(may_edit_roster)
def blank(area_id: int):
    """Blank tags for this area: whoever scans one first at a door says which room it is."""
    area = visible_area_or_404(area_id, *PRINTABLE_LEVELS)
    form = BlankTagsForm()
    if form.validate_on_submit():
        tags = mint_blank_tags(area, form.count.data)
        db.session.commit()
        flash(ngettext("%(num)d blank tag made.", "%(num)d blank tags made.", len(tags)), "success")
    else:
        db.session.rollback()
        for error in form.count.errors:
            flash(str(error), "error")
    return redirect(url_for("tags.area_tags", area_id=area.id), code=303)


def printed_tags(area: Area) -> tuple[list[Tag], str]:
    """The tags a sheet request asks for: the blank ones (?blank=1), chosen doors (?site=), or every door's."""
    if request.args.get("blank"):
        return db.session.scalars(blank_tags(area)).all(), "blank"
    site_ids = request.args.getlist("site", type=int)
    return door_tags(area, site_ids), ("selection" if site_ids else "doors")


def labels_file(area: Area, tags: list[Tag], what: str, fmt: str):
    """The PDF sheet or the ZIP of PNG labels of `tags`, audited as an export; a 503 page without a CJK font.

    More than a page of labels is drawn by the queue's worker: the request queues it and shows its progress.
    """
    name = f"{'blank' if what == 'blank' else 'door'}-tags-{area.id}.{fmt}"
    try:
        labels = labels_for(tags)
        if len(labels) > QUEUE_OVER:
            cached_font_file()  # no Chinese font: say so now, not after the wait
            job = queue_labels(area, labels, what, fmt, name)
            return redirect(url_for("tags.job", job_id=job.id), code=303)
        data = sheet_pdf(labels, title=area.name) if fmt == "pdf" else labels_zip(labels)
    except (FontMissing, BaseUrlMissing) as missing:
        return cannot_print(missing.message)
    # Labels carry addresses: handing them out is an export, audited like the others.
    audit_download("tags.print", area, after={"what": what, "format": fmt, "count": len(tags)})
    return label_download(data, name, fmt)


def cannot_print(message):
    return render_template("errors/error.html", code=503, title=_("Cannot print"), message=message), 503


@bp.get("/areas/<int:area_id>/tags.<any(pdf, zip):fmt>")
@login_required
@requires(may_edit_roster)
def sheet(area_id: int, fmt: str):
    """A4 label sheets (3 × 8) as a PDF, or a ZIP of one PNG per label: every door's, the blank, or chosen ones."""
    area = visible_area_or_404(area_id, *PRINTABLE_LEVELS)
    tags, what = printed_tags(area)
    return labels_file(area, tags, what, fmt)


@bp.route("/areas/<int:area_id>/tags/choose", methods=["GET", "POST"])
@login_required
@requires(may_edit_roster)
def choose(area_id: int):
    """Tick doors and print their tags (PDF sheet or PNG labels); a chosen door without a tag gets one."""
    area = visible_area_or_404(area_id, *PRINTABLE_LEVELS)
    sites = db.session.scalars(
        sites_under(area)
        .where(Site.status != "moved_out")
        .options(selectinload(Site.tags), selectinload(Site.building))
    ).all()
    form = ChooseForm()
    if form.is_submitted():
        if not form.validate():
            abort(400)  # a format we do not make, or door ids that are not numbers: not sent by our page
        by_id = {site.id: site for site in sites}
        if any(site_id not in by_id for site_id in form.site.data):
            abort(404)  # a door of another building, or of another area altogether
        chosen = [by_id[site_id] for site_id in form.site.data]
        if chosen:
            mint_tags_for(area, chosen)
            db.session.commit()  # the new tags stand like those of the "make tags" button, printed or not
            return labels_file(area, [site.active_tag for site in chosen], "selection", form.format.data)
        form.site.errors = [_("Tick at least one door.")]
    preset = request.args.get("tick")
    ticked = {site.id for site in sites if preset == "all" or (preset == "untagged" and site.active_tag is None)}
    if form.is_submitted():
        ticked = set(form.site.data or [])
    return render_template(
        "tags/choose.html",
        area=area,
        groups=door_groups(sites),
        ticked=ticked,
        untagged=sum(1 for site in sites if site.active_tag is None),
        form=form,
    ), (422 if form.is_submitted() else 200)


def door_groups(sites: list[Site]) -> list[tuple[Area, list[tuple[str, int | None, list[Site]]]]]:
    """[(building, [(unit, floor, [site...])...])...] in the roster's order (upper floors first)."""
    buildings: dict[int, tuple[Area, dict]] = {}
    for site in sorted(sites, key=lambda s: (s.building.path, s.unit, -(s.floor or 0), len(s.room), s.room)):
        floors = buildings.setdefault(site.building_id, (site.building, {}))[1]
        floors.setdefault((site.unit, site.floor), []).append(site)
    return [
        (building, [(unit, floor, doors) for (unit, floor), doors in floors.items()])
        for building, floors in buildings.values()
    ]


@bp.get("/tags/<int:tag_id>")
@login_required
@requires(may_edit_roster)
def label(tag_id: int):
    """One tag's label, to print alone (e.g. after a reprint)."""
    tag = visible_tag_by_id_or_404(tag_id)
    return render_template("tags/label.html", tag=tag)


@bp.get("/tags/<int:tag_id>/label.png")
@login_required
@requires(may_edit_roster)
def label_image(tag_id: int):
    """The PNG of one label at 300 dpi (70 × 37 mm)."""
    tag = visible_tag_by_id_or_404(tag_id)
    try:
        data = label_png(labels_for([tag])[0])
    except (FontMissing, BaseUrlMissing) as missing:
        return render_template("errors/error.html", code=503, title=_("Cannot print"), message=missing.message), 503
    return send_file(io.BytesIO(data), mimetype="image/png", download_name=f"tag-{tag.short_code}.png")


@bp.post("/sites/<int:site_id>/reprint")
@login_required
@requires(may_edit_roster)
def reprint(site_id: int):
    """The door's tag was lost or torn off: a new tag replaces it; the old one stops working."""
    site = visible_site_or_404(site_id)
    tag = reprint_tag(site)
    db.session.commit()
    flash(_("New tag %(code)s made; the old one no longer opens this door.", code=tag.short_code), "success")
    return redirect(url_for("tags.label", tag_id=tag.id), code=303)


@bp.route("/h/<token>/bind", methods=["GET", "POST"])
@login_required
def bind(token: str):
    """First scan of a blank tag: "which room is this door?" — and it is bound for good."""
    tag = visible_tag_or_404(token)
    if tag.retired_at is not None:
        return retired_tag_page(tag)
    if tag.site is not None:
        return redirect(url_for("sites.household", token=token), code=303)
    note_scan(tag)
    sites = db.session.scalars(bindable_sites(tag).options(selectinload(Site.tags), selectinload(Site.building))).all()
    form = BindForm()
    form.site_id.choices = bind_choices(sites)
    if form.validate_on_submit():
        site = next((site for site in sites if site.id == form.site_id.data), None)
        if save(form, lambda: bind_tag(tag, site, current_user)) is not REFUSED:
            flash(_("Tag bound to %(door)s.", door=site.door_label), "success")
            return redirect(url_for("sites.household", token=token), code=303)
    untagged = sum(1 for site in sites if site.active_tag is None)
    return form_page("tags/bind.html", form, tag=tag, untagged=untagged)


def bind_choices(sites: list[Site]) -> dict:
    """Rooms grouped by building; doors without a tag first, since that is where a blank tag goes."""
    groups: dict[str, list] = {}
    for site in sorted(sites, key=lambda s: (s.building.name, s.active_tag is not None, s.unit, s.floor or 0, s.room)):
        mark = "" if site.active_tag is None else " ✓"
        groups.setdefault(site.building.name, []).append((site.id, f"{site.door_label}{mark}"))
    return {"": [(0, "—")], **groups}
