from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicpoints.accounts.models import Town
from civicpoints.points.catalog import rule_catalog_load


class Command(BaseCommand):
    help = (
        "Give every town (or --town CODE) the default 72-rule catalog's missing rules. "
        "Running it twice changes nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--update",
            action="store_true",
            help="Also reset rules that staff have edited to the shipped values.",
        )
        parser.add_argument("--town", default="", help="Only the town with this code.")

    def handle(self, *args: Any, update: bool = False, town: str = "", **options: Any) -> None:
        town_id = None
        if town:
            found = Town.objects.filter(code=town).values_list("pk", flat=True).first()
            if found is None:
                raise CommandError(f"no town with code {town!r}")
            town_id = found
        result = rule_catalog_load(town_id=town_id, update_existing=update)
        self.stdout.write(
            f"rule catalog: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )
