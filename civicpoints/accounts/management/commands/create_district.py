"""``manage.py create_district``: a district over existing towns and its first admin."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicpoints.accounts.services import district_create
from civicpoints.core.errors import DomainError

FLAGS = {
    "name": "--name",
    "code": "--code",
    "towns": "--town",
    "admin_mobile": "--admin-mobile",
    "admin_nickname": "--admin-nickname",
}


class Command(BaseCommand):
    help = (
        "Create a district over existing towns (by code) with its first district admin, "
        "or add what is missing. Idempotent: repeating it changes nothing and issues no "
        "new password. Prints the admin's one-time password once (or texts it with --sms); "
        "it must be changed at the first sign-in."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--name", required=True, help="The district's name, e.g. 南岸区.")
        parser.add_argument(
            "--code", required=True, help="Short unique code: lowercase letters, digits, -."
        )
        parser.add_argument(
            "--town",
            action="append",
            default=[],
            required=True,
            help="A town's code (create_town --code); repeat for each.",
        )
        parser.add_argument("--admin-mobile", required=True, help="The first district admin.")
        parser.add_argument("--admin-nickname", default="", help="Default: 区管理员.")
        parser.add_argument(
            "--sms",
            action="store_true",
            help="Text the one-time password through SMS_BACKEND instead of printing it.",
        )

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            result = district_create(
                name=o["name"],
                code=o["code"],
                town_codes=o["town"],
                admin_mobile=o["admin_mobile"],
                admin_nickname=o["admin_nickname"],
                send_password_by_sms=o["sms"],
            )
        except DomainError as exc:
            flag = FLAGS.get(exc.field or "", "")
            raise CommandError(f"{flag}: {exc.detail}" if flag else str(exc.detail)) from None
        district = result.district
        self.stdout.write(
            f"district {district.name} ({district.code}): "
            f"{'created' if result.district_created else 'already there'}; "
            f"{result.towns_added} towns added"
        )
        admin = result.admin
        if not result.admin_created:
            self.stdout.write(f"district admin {admin.masked_mobile}: already there, password kept")
        elif result.temporary_password is None:
            self.stdout.write(
                f"district admin {admin.masked_mobile}: one-time password sent by SMS"
            )
        else:
            # stdout only, shown once: it is not logged and not stored in clear
            self.stdout.write(
                f"district admin {admin.masked_mobile}: one-time password "
                f"{result.temporary_password} (change it after the first log-in)"
            )
