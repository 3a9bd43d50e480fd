"""``manage.py create_town``: the first run of a real town (no demo data)."""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from civicpoints.accounts.services import parse_grid, town_create
from civicpoints.core.errors import DomainError

FLAGS = {
    "name": "--name",
    "code": "--code",
    "time_zone": "--time-zone",
    "communities": "--community",
    "grids": "--grid",
    "admin_mobile": "--admin-mobile",
    "admin_nickname": "--admin-nickname",
}


class Command(BaseCommand):
    help = (
        "Create a town with its communities, optional grids and first town admin, or add "
        "what is missing. Idempotent: repeating it changes nothing and issues no new "
        "password. Prints the admin's one-time password once (or texts it with --sms)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--name", required=True, help="The town's name, e.g. 巴桥镇.")
        parser.add_argument(
            "--code", required=True, help="Short unique code: lowercase letters, digits, -."
        )
        parser.add_argument(
            "--time-zone",
            default=settings.TIME_ZONE,
            help="IANA zone (default: the TIME_ZONE setting).",
        )
        parser.add_argument(
            "--community",
            action="append",
            default=[],
            required=True,
            help="A community's name; repeat for each.",
        )
        parser.add_argument(
            "--grid",
            action="append",
            default=[],
            help="community/grid, e.g. 融城社区/第1网格; repeat for each.",
        )
        parser.add_argument("--admin-mobile", required=True, help="The first town admin.")
        parser.add_argument("--admin-nickname", default="", help="Default: 镇管理员.")
        parser.add_argument(
            "--sms",
            action="store_true",
            help="Text the one-time password through SMS_BACKEND instead of printing it.",
        )

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            grids = [parse_grid(spec) for spec in o["grid"]]
            result = town_create(
                name=o["name"],
                code=o["code"],
                time_zone=o["time_zone"],
                communities=o["community"],
                grids=grids,
                admin_mobile=o["admin_mobile"],
                admin_nickname=o["admin_nickname"],
                send_password_by_sms=o["sms"],
            )
        except DomainError as exc:
            flag = FLAGS.get(exc.field or "", "")
            raise CommandError(f"{flag}: {exc.detail}" if flag else str(exc.detail)) from None
        town = result.town
        self.stdout.write(
            f"town {town.name} ({town.code}, {town.time_zone}): "
            f"{'created' if result.town_created else 'already there'}; "
            f"{result.communities_created} communities and {result.grids_created} grids added"
        )
        admin = result.admin
        if not result.admin_created:
            self.stdout.write(f"town admin {admin.masked_mobile}: already there, password kept")
        elif result.temporary_password is None:
            self.stdout.write(f"town admin {admin.masked_mobile}: one-time password sent by SMS")
        else:
            # stdout only, shown once: it is not logged and not stored in clear
            self.stdout.write(
                f"town admin {admin.masked_mobile}: one-time password "
                f"{result.temporary_password} (change it after the first log-in)"
            )
