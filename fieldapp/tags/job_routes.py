"""Label sheets drawn by the queue's worker: their progress page (polled while drawing) and their download."""

from flask import redirect, url_for
from flask_login import login_required

from fieldapp.audit import audit_download
from fieldapp.htmx import render
from fieldapp.jobs import own_job_or_404, state_of
from fieldapp.permissions import may_edit_roster, requires
from fieldapp.tags import bp
from fieldapp.tags.jobs import KIND, PRINTABLE_LEVELS, label_download


@bp.get("/tags/jobs/<job_id>")
@login_required
@requires(may_edit_roster)
def job(job_id: str):
    """How far the drawing has got (the fragment polls itself), then the download."""
    job = own_job_or_404(job_id, (KIND,), *PRINTABLE_LEVELS)
    return render("tags/job.html", "tags/_job_progress.html", job=job, state=state_of(job), area=job.area)


@bp.get("/tags/jobs/<job_id>/<name>")
@login_required
@requires(may_edit_roster)
def job_file(job_id: str, name: str):
    """The drawn sheet (PDF) or labels (ZIP), audited as the export it is each time it is handed out."""
    job = own_job_or_404(job_id, (KIND,), *PRINTABLE_LEVELS)
    if job.status != "done" or name != job.filename:
        return redirect(url_for("tags.job", job_id=job.id), code=303)
    data, fmt, area = job.result, job.params["format"], job.area
    audit_download("tags.print", area, after={"what": job.params["what"], "format": fmt, "count": job.total})
    return label_download(data, name, fmt)
