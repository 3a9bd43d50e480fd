from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from civicpoints.core.backup import BackupError, sqlite_restore


class Command(BaseCommand):
    help = (
        "Replace the SQLite database with a backup made by `manage.py backup` (stop the "
        "web and job processes first), then run reconcile_points. Needs --yes. On "
        "PostgreSQL it prints the pg_restore command to use instead and exits non-zero."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("backup", help="a file written by manage.py backup")
        parser.add_argument(
            "--yes", action="store_true", help="really replace the current database"
        )

    def handle(self, *args: Any, backup: str, yes: bool = False, **options: Any) -> None:
        if not yes:
            raise CommandError("restore replaces every row of the current database: add --yes")
        try:
            sqlite_restore(backup)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored from {backup}")
        call_command("reconcile_points", stdout=self.stdout)
