"""Commands for operators: `flask --app wsgi <command>`."""

import click
from flask import Flask
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import ROLES, Area, Site, User
from fieldapp.roster.cli import import_sites


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_data)
    app.cli.add_command(create_user_command)
    app.cli.add_command(verify_tallies)
    app.cli.add_command(import_sites)


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds areas.")
@click.option("--seed", default=2026, show_default=True, help="Same seed, same district.")
def demo_data(if_empty: bool, seed: int) -> None:
    """Load the demo district 临江区 with its demo accounts."""
    from fieldapp.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo

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
    """Recount every tally from the raw visits and print each difference (none expected)."""
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
