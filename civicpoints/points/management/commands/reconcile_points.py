from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicpoints.points.models import PointAccount
from civicpoints.points.selectors import reconcile


class Command(BaseCommand):
    help = (
        "Check every balance against the sum of its ledger rows. Prints the accounts "
        "that differ and exits non-zero if any do."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = reconcile()
        for p in problems:
            self.stdout.write(
                f"resident {p.resident_id}: balance {p.balance} != ledger {p.ledger_balance}"
                f" or lifetime {p.lifetime_earned} != earned {p.ledger_earned}"
            )
        if problems:
            raise CommandError(f"{len(problems)} account(s) differ from the ledger")
        self.stdout.write(f"reconcile_points: {PointAccount.objects.count()} accounts clean")
