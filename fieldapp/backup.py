"""Backups and restores of the whole database: `flask backup` and `flask restore`.

SQLite (the embedded default) is copied with SQLite's online backup API in one step: the copy reads
inside one read transaction, so it is a consistent snapshot of everything committed when it began (the
WAL included), and in WAL mode the workers keep writing meanwhile. Copying the file with `cp` instead
could catch a page half-written or miss what still sits in the -wal file.

PostgreSQL is backed up and restored by its own tools, `pg_dump -Fc` and `pg_restore` (Debian package
`postgresql-client`, of the server's major version or newer): they take a consistent snapshot too. The
commands here run them when they are installed, and otherwise print the exact command to run.

Every file written here is created 0600: a backup holds every household's phone number.
"""

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from fieldapp.config import INSTANCE_DIR
from fieldapp.database import SQLITE_BUSY_TIMEOUT_MS

BACKUP_DIR = INSTANCE_DIR / "backups"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass
class Copied:
    path: Path
    size: int
    seconds: float


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    """The file of a sqlite:/// URL (an in-memory database has none)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"{url} is not a SQLite database file.")
    return Path(database)


def default_backup_path(url: str, now: datetime | None = None) -> Path:
    """instance/backups/fieldapp-20261201-013000.sqlite (or .dump for PostgreSQL): sorted by name, by time."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return BACKUP_DIR / f"fieldapp-{stamp}.{'sqlite' if is_sqlite(url) else 'dump'}"


def create_private(path: Path) -> None:
    """Create `path` empty and 0600 (its folder 0700 if new), whatever the umask; never overwrite a file."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise BackupError(f"{path} exists already; choose another name.") from None
    path.chmod(0o600)  # O_CREAT's mode is narrowed by the umask, never widened: this is exact


def has_tables(connection: sqlite3.Connection) -> bool:
    return connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] > 0


def backup_sqlite(database: Path, target: Path) -> Copied:
    """Copy the live SQLite `database` into the new file `target` while other workers keep writing."""
    started = datetime.now()
    if not database.exists():
        raise BackupError(f"No database at {database}.")
    create_private(target)
    source = sqlite3.connect(database, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    copy = sqlite3.connect(target)
    try:
        # pages=-1: all in one step, inside one read transaction. Stepwise copies restart whenever another
        # connection writes between steps, and under steady visits might never finish.
        source.backup(copy)
        # The copy is one self-contained file (no -wal beside it), checked before anyone relies on it.
        copy.execute("PRAGMA journal_mode=DELETE")
        check = copy.execute("PRAGMA quick_check").fetchone()[0]
    except BaseException:
        copy.close()
        target.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    copy.close()
    if check != "ok":
        target.unlink(missing_ok=True)
        raise BackupError(f"The copy failed SQLite's check: {check}")
    return Copied(target, target.stat().st_size, (datetime.now() - started).total_seconds())


def restore_sqlite(backup: Path, database: Path, force: bool = False) -> Copied:
    """Copy the backup file into `database`: a new or empty file, or (with force) a live one replaced whole.

    Written through the same backup API, so a live database is replaced in one transaction under the
    write lock: a worker still running sees the old data or the new, never a mix.
    """
    started = datetime.now()
    if not backup.is_file():
        raise BackupError(f"No backup at {backup}.")
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        check = source.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok" or not has_tables(source):
            raise BackupError(f"{backup} is not a sound fieldapp backup ({check}).")
        if database.exists() and database.stat().st_size:
            existing = sqlite3.connect(database, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
            try:
                live = has_tables(existing)
            finally:
                existing.close()
            if live and not force:
                raise BackupError(
                    f"{database} already holds a database; restore into a new file, or add --force to replace it."
                )
        elif not database.exists():
            create_private(database)
        target = sqlite3.connect(database, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")  # as every worker opens it (fieldapp.database)
        finally:
            target.close()
    finally:
        source.close()
    return Copied(database, database.stat().st_size, (datetime.now() - started).total_seconds())


def libpq_url(url: str) -> tuple[str, str | None]:
    """The URL as pg_dump spells it (postgresql://, no driver), without its password, and the password apart.

    The password goes to the tools through PGPASSWORD, never on a command line that `ps` shows or a
    terminal keeps; an operator running the printed command gives it with PGPASSWORD or ~/.pgpass.
    """
    parsed: URL = make_url(url)
    password = parsed.password
    bare = URL.create("postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database, parsed.query)
    return bare.render_as_string(hide_password=False), password


def pg_dump_command(url: str, target: Path) -> list[str]:
    return ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", libpq_url(url)[0]]


def pg_restore_command(url: str, backup: Path) -> list[str]:
    return [
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        f"--dbname={libpq_url(url)[0]}",
        str(backup),
    ]


def tool(name: str) -> str | None:
    return shutil.which(name)


def run_pg_tool(command: list[str], url: str) -> None:
    env = dict(os.environ)
    password = libpq_url(url)[1]
    if password:
        env["PGPASSWORD"] = password
    # The command is a list (no shell) of our own options, the configured URL and a path the operator chose.
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def backup_postgresql(url: str, target: Path) -> Copied:
    """pg_dump -Fc of the configured database into the new 0600 file `target`."""
    started = datetime.now()
    create_private(target)
    try:
        run_pg_tool(pg_dump_command(url, target), url)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return Copied(target, target.stat().st_size, (datetime.now() - started).total_seconds())


def restore_postgresql(backup: Path, url: str) -> Copied:
    """pg_restore of a pg_dump -Fc file into the configured database, which must be fresh (no tables)."""
    started = datetime.now()
    if not backup.is_file():
        raise BackupError(f"No backup at {backup}.")
    run_pg_tool(pg_restore_command(url, backup), url)
    return Copied(backup, backup.stat().st_size, (datetime.now() - started).total_seconds())
