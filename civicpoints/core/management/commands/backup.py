from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from civicpoints.core.backup import BackupError, sqlite_backup
from civicpoints.core.timeutil import local_date


class Command(BaseCommand):
    help = (
        "Online backup of the SQLite database to a new file (default "
        "var/backups/civicpoints-<local date>-<time>.sqlite3). On PostgreSQL it prints "
        "the pg_dump/pg_restore commands to use instead and exits non-zero."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("target", nargs="?", help="file to write (must not exist)")

    def handle(self, *args: Any, target: str | Path | None = None, **options: Any) -> None:
        from django.conf import settings

        if target is None:
            stamp = f"{local_date().isoformat()}-{timezone.now():%H%M%S}"
            target = settings.VAR_DIR / "backups" / f"civicpoints-{stamp}.sqlite3"
        try:
            size = sqlite_backup(target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"backup written: {target} ({size} bytes, integrity ok)")
