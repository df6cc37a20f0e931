"""Commands for operators: `flask --app wsgi <command>`."""

import re
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import ROLES, Area, Site, User
from fieldapp.roster.cli import import_sites
from fieldapp.spotchecks.cli import draw_spot_checks


def register_commands(app: Flask) -> None:
    app.cli.add_command(init_district)
    app.cli.add_command(demo_data)
    app.cli.add_command(create_user_command)
    app.cli.add_command(verify_tallies)
    app.cli.add_command(import_sites)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(purge_personal_data_command)
    app.cli.add_command(rescore_command)

    app.cli.add_command(draw_spot_checks)


def names_list(values: tuple[str, ...]) -> list[str]:
    """Repeated options and comma lists alike: `--station A --station B` or `--station A,B` (also ， and 、)."""
    return [name.strip() for value in values for name in re.split("[,，、]", value) if name.strip()]


@click.command("init-district")
@click.option("--name", required=True, help="The district (县/区), e.g. 临江区.")
@click.option(
    "--station", "stations", multiple=True, required=True, help="A station (派出所/镇); repeat or comma list."
)
@click.option(
    "--community",
    "communities",
    multiple=True,
    help="STATION/COMMUNITY (社区/村) to create under one of the stations; repeat or comma list. Roster imports need"
    " a building's station and community to exist (they create grids and buildings).",
)
@click.option("--admin", "admin_username", required=True, help="Username of the first admin.")
@click.option("--admin-name", default="", help="Name the admin is shown by (default: the username).")
@click.password_option(help="The first admin's password (asked twice, hidden, when not given).")
def init_district(
    name: str, stations: tuple[str, ...], communities: tuple[str, ...], admin_username: str, admin_name: str, password
) -> None:
    """First run for a real district: the district, its stations and the first admin, in an empty database."""
    from fieldapp.areas.first_run import start_district
    from fieldapp.refusals import Refused

    pairs = []
    for value in names_list(communities):
        station, _, community = value.partition("/")
        if not community.strip():
            raise click.ClickException(f"--community takes STATION/COMMUNITY, not {value!r}.")
        pairs.append((station, community))
    try:
        started = start_district(name, names_list(stations), admin_username, password, admin_name, pairs)
        db.session.commit()
    except Refused as refused:
        db.session.rollback()
        raise click.ClickException(f"Nothing created: {refused.message}") from None
    click.echo(
        f"District {started.district.name} (area id {started.district.id}) with {len(started.stations)} stations: "
        + ", ".join(f"{s.name} ({s.id})" for s in started.stations)
    )
    if started.communities:
        click.echo(
            f"{len(started.communities)} communities: " + ", ".join(f"{c.name} ({c.id})" for c in started.communities)
        )
    click.echo(f"First admin {started.admin.username}: log in and create the other accounts. No demo data loaded.")


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds areas (make run).")
@click.option("--seed", default=2026, show_default=True, help="Same seed, same district.")
def demo_data(if_empty: bool, seed: int) -> None:
    """Load the demo district 临江区 with its demo accounts: only into the embedded SQLite database."""
    from flask import current_app

    from fieldapp.config import is_embedded_database
    from fieldapp.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo

    if not is_embedded_database(current_app.config["SQLALCHEMY_DATABASE_URI"]):
        # Demo accounts share a published password: never on a database server that others reach.
        message = "Demo data goes only into the embedded SQLite database (DATABASE_URL unset); not loaded."
        if if_empty:
            click.echo(message)
            return
        raise click.ClickException(message)
    if db.session.scalar(select(Area.id).limit(1)) is not None:
        if if_empty:
            click.echo("The database already holds data; demo not loaded.")
            return
        raise click.ClickException("The database is not empty; demo data goes only into an empty database.")
    made = load_demo(seed=seed)
    click.echo(
        f"Demo district loaded: {made['areas']} areas, {made['sites']} sites,"
        f" {made['users']} accounts, {made['visits']} visits."
    )
    click.echo(f"Demo accounts (password {DEMO_PASSWORD}): " + ", ".join(a[0] for a in DEMO_ACCOUNTS))


@click.command("create-user")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Name shown to colleagues.")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--area-id", type=int, required=True, help="Area the account is bound to.")
@click.password_option()
def create_user_command(username: str, display_name: str, role: str, area_id: int, password: str) -> None:
    """Create an account (e.g. the first admin of a new district)."""
    from fieldapp.admin.services import UsernameTaken, create_user
    from fieldapp.refusals import Refused

    area = db.session.get(Area, area_id)
    if area is None:
        raise click.ClickException(f"No area with id {area_id}.")
    try:
        user = create_user(username, password, display_name, role, area)
    except UsernameTaken:
        raise click.ClickException(f"The username {username} is taken.") from None
    except Refused as refused:  # e.g. a password shorter than PASSWORD_MIN
        raise click.ClickException(f"Not created: {refused.message}") from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.username} in {area.name}.")


@click.command("verify-tallies")
def verify_tallies() -> None:
    """Recount every tally from the raw visits and events and print each difference (none expected)."""
    from fieldapp.site_counts import recount_site_differences
    from fieldapp.tallies import recount_differences

    problems = recount_differences() + recount_site_differences()
    for problem in problems:
        click.echo(problem)
    sites = db.session.scalar(select(db.func.count(Site.id)))
    users = db.session.scalar(select(db.func.count(User.id)))
    if problems:
        raise click.ClickException(f"{len(problems)} differences between rollups and a recount.")
    click.echo(f"Tallies agree with a recount of all visits ({sites} sites, {users} accounts).")


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path | None) -> None:
    """Back up the database while it serves (default: instance/backups/fieldapp-<date>-<time>)."""
    from fieldapp import backup

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    target = path or backup.default_backup_path(url)
    try:
        if backup.is_sqlite(url):
            done = backup.backup_sqlite(backup.sqlite_path(url), target)
        elif backup.tool("pg_dump"):
            done = backup.backup_postgresql(url, target)
        else:
            command = " ".join(backup.pg_dump_command(url, target))
            raise click.ClickException(
                "PostgreSQL is backed up with pg_dump (Debian: apt-get install postgresql-client), not installed here."
                f" Run, with the password in PGPASSWORD or ~/.pgpass:\n  {command}"
            )
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up to {done.path} ({done.size:,} bytes, {done.seconds:.2f} s, mode 0600).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="SQLite: replace a database file that already holds data.")
def restore_command(path: Path, force: bool) -> None:
    """Restore a backup into the configured database (a new SQLite file, or a fresh PostgreSQL database)."""
    from sqlalchemy import inspect

    from fieldapp import backup

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        if backup.is_sqlite(url):
            db.engine.dispose()  # this process holds no connection to the file it replaces
            done = backup.restore_sqlite(path, backup.sqlite_path(url), force=force)
        else:
            command = " ".join(backup.pg_restore_command(url, path))
            if inspect(db.engine).get_table_names():
                raise click.ClickException(
                    "The configured PostgreSQL database is not empty: create a fresh one (createdb), point"
                    " DATABASE_URL at it and restore there."
                )
            db.engine.dispose()
            if not backup.tool("pg_restore"):
                raise click.ClickException(
                    "PostgreSQL is restored with pg_restore (Debian: apt-get install postgresql-client), not"
                    f" installed here. Run, with the password in PGPASSWORD or ~/.pgpass:\n  {command}"
                )
            done = backup.restore_postgresql(path, url)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {path} ({done.seconds:.2f} s). Next: flask --app wsgi db upgrade, then verify-tallies.")


@click.command("purge-personal-data")
@click.option("--dry-run", is_flag=True, help="Count what would be cleared; change nothing.")
@click.option("--days", type=int, help="Override FIELDAPP_RETENTION_DAYS for this run.")
def purge_personal_data_command(dry_run: bool, days: int | None) -> None:
    """Clear raw GPS fixes and notes of visits older than the retention period (tallies unchanged)."""
    from fieldapp.retention import purge_personal_data

    days = current_app.config["RETENTION_DAYS"] if days is None else days
    if days < 1:
        raise click.ClickException("The retention period is at least one day.")
    purged = purge_personal_data(days, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "Would clear" if dry_run else "Cleared"
    visits = lambda n: f"{n} visit" if n == 1 else f"{n} visits"  # noqa: E731 (operators read English)
    click.echo(
        f"{verb} the GPS fix of {visits(purged.gps)} and the note of {visits(purged.notes)}"
        f" received before {purged.before:%Y-%m-%d %H:%M} UTC ({days} days)."
    )


@click.command("rescore")
@click.option("--day", "day", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="The working day.")
@click.option("--area-id", type=int, help="An area (a station, usually); default: every area.")
def rescore_command(day, area_id: int | None) -> None:
    """Find the trust signals of a day's visits again (recorded before the checks existed, or with other
    thresholds) and set their scores; running it twice changes nothing. Spot-check signals are kept."""
    from fieldapp.trust.signals import rescore_day

    if area_id is None:
        areas = db.session.scalars(select(Area).where(Area.parent_id.is_(None)).order_by(Area.id)).all()
    else:
        areas = [area] if (area := db.session.get(Area, area_id)) is not None else []
    if not areas:
        raise click.ClickException("No such area.")
    for area in areas:
        visits, signals = rescore_day(area, day.date())
        db.session.commit()
        click.echo(f"{area.name} {day.date().isoformat()}: {visits} visits checked, {signals} signals found.")
