"""An area's people, ranked: its teams and volunteers by their figures, and the volunteers' trust over a week. The
area page shows the top of each ranking; these pages list every row, a page at a time."""

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from fieldapp.access import visible_area_or_404
from fieldapp.areas import bp
from fieldapp.models import Area
from fieldapp.periods import period_days, picked_campaign, week_bounds
from fieldapp.permissions import may_review, requires
from fieldapp.tallies import people_totals
from fieldapp.trust.weekly import volunteer_weeks
from fieldapp.visits.clock import local_today

#: The levels whose page lists their teams, volunteers and the volunteers' trust.
LEVELS = ("district", "station")
#: An area page shows this many teams, volunteers and trust rows (the top of each ranking, cut in SQL); the rest
#: are on their own paged lists.
SHOWN = 20
#: The paged lists of teams, volunteers and trust rows show this many a page.
PAGE_SIZE = 100


def trust_week(area: Area, last_day, limit: int, offset: int = 0):
    """(first day, last day, rows, how many in all) of the volunteers' trust in the week the page's period ends
    in, for those who review visits on a station's or district's page; None elsewhere."""
    if area.level not in LEVELS or not may_review(current_user):
        return None
    first, last = week_bounds(last_day or local_today())
    return first, last, *volunteer_weeks(area, first, last, limit=limit, offset=offset)


def period_args() -> dict:
    """The query parameters that choose a page's period and campaign, to carry to its full lists."""
    return {name: request.args[name] for name in ("period", "from", "to", "campaign") if request.args.get(name)}


@bp.get("/areas/<int:area_id>/people")
@login_required
def people(area_id: int):
    """Every team or every volunteer of a station or district with their figures, the most installs first, paged."""
    area = visible_area_or_404(area_id, *LEVELS)
    which = "teams" if request.args.get("list") == "teams" else "users"
    campaign = picked_campaign(request.args.get("campaign", type=int))
    _period, first_day, last_day = period_days(request.args.get("period", "all"), request.args, campaign)
    page = max(1, request.args.get("page", 1, type=int))
    found = people_totals(area, first_day, last_day, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    total = found["team_count" if which == "teams" else "user_count"]
    return render_template(
        "areas/people.html",
        area=area,
        which=which,
        rows=found[which],
        total=total,
        first_day=first_day,
        last_day=last_day,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        list_args=period_args(),
        page_url=lambda number: url_for("areas.people", area_id=area.id, list=which, page=number, **period_args()),
    )


@bp.get("/areas/<int:area_id>/trust")
@login_required
@requires(may_review)
def trust(area_id: int):
    """Every volunteer's trust in the week an area page's period ends in, the lowest mean score first, paged."""
    area = visible_area_or_404(area_id, *LEVELS)
    campaign = picked_campaign(request.args.get("campaign", type=int))
    _period, _first_day, last_day = period_days(request.args.get("period", "all"), request.args, campaign)
    page = max(1, request.args.get("page", 1, type=int))
    week = trust_week(area, last_day, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "trust/week.html",
        area=area,
        trust_week=week,
        page=page,
        pages=max(1, -(-week[3] // PAGE_SIZE)),
        list_args=period_args(),
        page_url=lambda number: url_for("areas.trust", area_id=area.id, page=number, **period_args()),
    )
