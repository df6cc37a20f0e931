"""The mini-programs list (e.g. 金钟罩, 反诈卫士): the district's admins keep it; the door form counts each one."""

from flask import Blueprint

from fieldapp.models import program_measure

bp = Blueprint("programs", __name__)


@bp.app_context_processor
def program_helpers() -> dict:
    """For area pages (templates/areas/_programs.html): which programs to show for some totals (read only when
    called), and the measure name a program's target is set under."""
    from fieldapp.programs.services import programs_shown

    return {"programs_shown": programs_shown, "program_measure": program_measure}


from fieldapp.programs import routes  # noqa: E402,F401
