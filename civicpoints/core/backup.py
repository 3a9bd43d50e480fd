"""Online backup and restore of the SQLite database (README "Backup and restore").

SQLite: Python's ``sqlite3.Connection.backup`` copies a consistent snapshot page
by page while the site keeps running (other writers wait only for each step).
PostgreSQL: use its own tools, ``pg_dump``/``pg_restore`` (``POSTGRES_HELP``).
"""

import sqlite3
from pathlib import Path

from django.db import connections

POSTGRES_HELP = (
    "This database is PostgreSQL: back it up with its own tools, e.g.\n"
    '  pg_dump --format=custom --file=civicpoints.dump "$DATABASE_URL"\n'
    "and restore into an empty database with\n"
    '  pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" civicpoints.dump\n'
    "then run: python manage.py reconcile_points"
)


class BackupError(Exception):
    pass


def _sqlite_path(alias: str) -> Path:
    conn = connections[alias]
    if conn.vendor != "sqlite":
        raise BackupError(POSTGRES_HELP if conn.vendor == "postgresql" else conn.vendor)
    name = str(conn.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"cannot back up an in-memory database ({name})")
    return Path(name)


def _check(path: Path) -> None:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (result,) = db.execute("PRAGMA integrity_check").fetchone()
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}") from exc
    finally:
        db.close()
    if result != "ok":
        raise BackupError(f"{path} failed the integrity check: {result}")
    if "django_migrations" not in tables or "points_pointtransaction" not in tables:
        raise BackupError(f"{path} is not a civicpoints database")


def sqlite_backup(target: str | Path, *, alias: str = "default", pages: int = 1024) -> int:
    """Copy the live database to ``target`` (a new file; refused if it exists), then
    check the copy. Returns the copy's size in bytes. Raises BackupError."""
    source = _sqlite_path(alias)
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=pages)
    finally:
        dst.close()
        src.close()
    _check(target)
    return target.stat().st_size


def sqlite_restore(backup: str | Path, *, alias: str = "default") -> None:
    """Replace the live database's content with ``backup`` (checked first), through
    the same backup API so the WAL and open readers stay consistent. Django's own
    connection is closed first; other processes should be stopped. Raises BackupError."""
    live = _sqlite_path(alias)
    backup = Path(backup)
    if not backup.is_file():
        raise BackupError(f"{backup} not found")
    _check(backup)
    connections[alias].close()
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    dst = sqlite3.connect(live, timeout=20)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
