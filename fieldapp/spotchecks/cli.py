"""`flask draw-spot-checks`: the weekly draw of 督察回访 for every station, for a scheduler (cron) to run."""

from datetime import date, timedelta

import click
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Area, in_use
from fieldapp.refusals import Refused
from fieldapp.spotchecks.services import ASSIGN_MODES, draw_round
from fieldapp.visits.clock import local_today


@click.command("draw-spot-checks")
@click.option(
    "--week",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="A day of the week to sample, e.g. 2026-03-02 (default: last week).",
)
@click.option("--station", "station_id", type=int, help="Only this station (its area id); default: every station.")
@click.option(
    "--per-volunteer", type=int, help="Households per volunteer (default: FIELDAPP_SPOT_CHECK_PER_VOLUNTEER)."
)
@click.option(
    "--assign",
    type=click.Choice(ASSIGN_MODES),
    default="other_team",
    show_default=True,
    help="Who checks: the station's supervisors (me) or members of another team.",
)
@click.option("--seed", type=int, help="The draw's seed (default: a random one, stored with the round).")
def draw_spot_checks(day, station_id: int | None, per_volunteer: int | None, assign: str, seed: int | None) -> None:
    """Draw each station's spot checks for a week. A station already drawn for that week, or where nobody covered a
    household, is left as it is and said so; each station is drawn whole or not at all."""
    week_day: date = day.date() if day else local_today() - timedelta(days=7)
    lines = draw_every_station(week_day, station_id, per_volunteer, assign, seed)
    if lines is None:
        raise click.ClickException("No such station.")
    for line in lines:
        click.echo(line)


def draw_every_station(
    week_day: date, station_id: int | None = None, per_volunteer: int | None = None, assign="other_team", seed=None
) -> list[str] | None:
    """The draw of each station (or one) for the week of `week_day`, each committed on its own; a line per station
    saying how it went, or None for no such station. Also the queue's weekly task (fieldapp/schedule.py)."""
    query = select(Area).where(Area.level == "station", in_use()).order_by(Area.path)
    if station_id is not None:
        query = query.where(Area.id == station_id)
    stations = db.session.scalars(query).all()
    if not stations:
        return None
    lines = []
    for station in stations:
        try:
            round_ = draw_round(station, week_day, None, seed=seed, per_volunteer=per_volunteer, mode=assign)
        except Refused as refused:
            db.session.rollback()
            lines.append(f"{station.name}: not drawn: {refused.message}")
            continue
        db.session.commit()
        lines.append(
            f"{station.name}: {len(round_.checks)} households drawn, week of {round_.week_start} (seed {round_.seed})."
        )
    return lines
