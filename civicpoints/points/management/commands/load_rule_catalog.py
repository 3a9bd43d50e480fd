from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from civicpoints.points.catalog import rule_catalog_load


class Command(BaseCommand):
    help = (
        "Load the default catalog (the story's 72 rules + share_new_reader). "
        "Running it twice changes nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--update",
            action="store_true",
            help="Also reset rules that staff have edited to the shipped values.",
        )

    def handle(self, *args: Any, update: bool = False, **options: Any) -> None:
        result = rule_catalog_load(update_existing=update)
        self.stdout.write(
            f"rule catalog: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )
