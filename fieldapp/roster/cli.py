"""`flask --app wsgi import-sites FILE`: the roster import for operators, with a progress bar."""

from pathlib import Path

import click
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Area
from fieldapp.roster.files import RosterFileError
from fieldapp.roster.imports import plan_import
from fieldapp.roster.services import import_roster

#: Errors printed before the rest are only counted.
SHOWN_ERRORS = 50


@click.command("import-sites")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--area-id", type=int, help="The district the station names belong to (default: the only one).")
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
def import_sites(path: Path, area_id: int | None, dry_run: bool) -> None:
    """Import households, shops... from a CSV or XLSX roster: all rows or none; the same file twice changes nothing."""
    if area_id is not None:
        root = db.session.get(Area, area_id)
    else:
        districts = db.session.scalars(select(Area).where(Area.parent_id.is_(None))).all()
        root = districts[0] if len(districts) == 1 else None
    if root is None:
        raise click.ClickException("Name the district with --area-id (no single district found).")
    data = path.read_bytes()
    try:
        with click.progressbar(length=data.count(b"\n") or 1, label="Checking rows ", show_pos=True) as bar:
            checked = [0]

            def advance(rows: int) -> None:
                bar.update(rows - checked[0])
                checked[0] = rows

            plan = plan_import(data, path.name, root, None, progress=advance)
            bar.update(bar.length)
    except RosterFileError as error:
        raise click.ClickException(str(error.message)) from None
    if plan.missing:
        # The page lets a column be mapped by hand; here the file must name them (or use the template's headers).
        raise click.ClickException(
            f"No column gives {', '.join(plan.missing)}: name them in the header row (see the template), or import"
            " the file on the /imports page, where columns can be mapped by hand."
        )
    click.echo(
        f"{plan.rows} rows: {len(plan.adds)} to add, {len(plan.updates)} to update, {plan.unchanged} unchanged,"
        f" {len(plan.new_areas)} new buildings, {len(plan.notes)} normalised, {len(plan.errors)} in error,"
        f" {len(plan.file.skipped)} skipped (totals, notes), {plan.file.blank} blank."
    )
    for where, reason in plan.file.skipped[:SHOWN_ERRORS]:
        click.echo(f"  skipped line {where}: {reason}")
    for line, reason in plan.errors[:SHOWN_ERRORS]:
        click.echo(f"  line {line}: {reason}", err=True)
    if len(plan.errors) > SHOWN_ERRORS:
        click.echo(f"  ... and {len(plan.errors) - SHOWN_ERRORS} more", err=True)
    if plan.errors:
        raise click.ClickException("Nothing was imported: correct the rows above and run again.")
    if dry_run or not (plan.adds or plan.updates):
        click.echo("Nothing written." if dry_run else "Nothing to change.")
        return
    with click.progressbar(length=len(plan.adds) + len(plan.updates), label="Writing sites", show_pos=True) as bar:
        written = [0]

        def wrote(done: int, _total: int) -> None:
            bar.update(done - written[0])
            written[0] = done

        try:
            summary = import_roster(data, path.name, root, None, plan=plan, progress=wrote)
        except RosterFileError as error:
            db.session.rollback()
            raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(
        f"Imported: {summary['added']} added, {summary['updated']} updated, {summary['areas_added']} new buildings."
    )
