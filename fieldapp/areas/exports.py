"""The unvisited list (未入户名单) of an area as a spreadsheet for the teams to print (audited)."""

from flask import stream_with_context
from flask_login import login_required

from fieldapp.access import visible_area_or_404
from fieldapp.areas import bp
from fieldapp.areas.unvisited import unvisited_header, unvisited_records, unvisited_title
from fieldapp.audit import audit_download
from fieldapp.reports.exports import csv_stream, download
from fieldapp.reports.xlsx import stream_xlsx
from fieldapp.visits.clock import local_today


@bp.get("/areas/<int:area_id>/unvisited.<any(xlsx, csv):kind>")
@login_required
def unvisited_file(area_id: int, kind: str):
    """Whoever may see an area's unvisited page may download it: one row per door still to knock on."""
    area = visible_area_or_404(area_id)
    today = local_today()
    audit_download("unvisited.export", area, after={"format": kind, "day": today.isoformat()})
    title = unvisited_title(area, today)
    if kind == "xlsx":
        content = stream_xlsx(area.name, unvisited_header(), unvisited_records(area), title=title)
    else:
        content = csv_stream(unvisited_header(), unvisited_records(area), title=title)
    return download(stream_with_context(content), f"unvisited-{area.id}-{today.isoformat()}.{kind}")
