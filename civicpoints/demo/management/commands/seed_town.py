import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from civicpoints.accounts.models import Town
from civicpoints.demo.town import DEMO_LOGINS, DEMO_PASSWORD, seed_town


class Command(BaseCommand):
    help = (
        "Build the story's demo town (Baqiao): ~38,000 residents, 258 merchants and "
        "three years of ledger history (~2.96 M points). Needs an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="1.0 = the story's size; 0.01 = a small town."
        )
        parser.add_argument("--seed", type=int, default=2018, help="Random seed.")
        parser.add_argument(
            "--snapshot-days",
            type=int,
            default=None,
            help=(
                "Days of daily ranking snapshots to take (default 90; 30 below scale 0.05). "
                "Each day costs a snapshot run: fewer days seed faster, with less history "
                "on the boards."
            ),
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (exit 0) when a town already exists.",
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--allow-production-demo",
            action="store_true",
            help=(
                "Seed even with DEBUG off (a throw-away load-test or demo server only: it "
                "creates a superuser with the published demo password)."
            ),
        )

    def handle(
        self,
        *args,
        scale,
        seed,
        snapshot_days,
        if_empty,
        quiet,
        allow_production_demo,
        **options,
    ):
        # The demo logins, a superuser among them, share a password printed in the README:
        # on a real deployment's database they would be an open door.
        if not settings.DEBUG and not allow_production_demo:
            raise CommandError(
                "seed_town refuses to run with DEBUG off: it creates logins (a superuser "
                "among them) with the published demo password. For local development set "
                "DEBUG=1 (make run does); for a throw-away demo or load-test server pass "
                "--allow-production-demo."
            )
        if not 0 < scale <= 30:
            raise CommandError("--scale must be > 0 and at most 30")
        if snapshot_days is not None and not 0 <= snapshot_days <= 3 * 366:
            raise CommandError("--snapshot-days must be between 0 and 1098 (three years)")
        if Town.objects.exists():
            if if_empty:
                self.stdout.write("seed_town: a town exists already; nothing to do")
                self._print_logins()
                return
            raise CommandError("the database already holds a town; seed_town needs an empty one")
        began = time.monotonic()
        # The demo content's ~100 inbox messages would flood the terminal through
        # the console channel; they are in the inbox all the same.
        channel_log = logging.getLogger("civicpoints.notifications")
        level = channel_log.level
        channel_log.setLevel(logging.WARNING)
        try:
            result = seed_town(scale=scale, seed=seed, quiet=quiet, snapshot_days=snapshot_days)
        finally:
            channel_log.setLevel(level)
        self.stdout.write(
            f"seed_town: {result.residents} residents, {result.merchants} merchants, "
            f"{result.transactions} ledger rows, {result.points_awarded} points awarded "
            f"({result.good_deeds} good deeds), {result.balance_total} in balances, "
            f"{result.check_ins} check-ins, {result.snapshot_days} days of rankings, "
            f"{result.honours} honours published, "
            f"{time.monotonic() - began:.1f}s"
        )
        c = result.content
        if c is not None:
            self.stdout.write(
                f"  content: {c.articles} articles, {c.posts_approved} posts published and "
                f"{c.posts_pending} waiting for review ({c.comments} comments, {c.likes} likes), "
                f"{c.reports} reports, {c.events} events, {c.offers} offers, {c.vouchers} vouchers "
                f"({c.seconds:.1f}s)"
            )
        self._print_logins()

    def _print_logins(self):
        self.stdout.write(f"demo logins, password {DEMO_PASSWORD}:")
        for role, mobile in DEMO_LOGINS.items():
            self.stdout.write(f"  {role:18} {mobile}")
