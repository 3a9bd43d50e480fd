"""``manage.py setup_token``: the token that opens the one-time setup page."""

from typing import Any

from django.core.management.base import BaseCommand

from civicpoints.accounts.services import setup_is_open, setup_token


class Command(BaseCommand):
    help = "Print the token the setup page (/setup/) asks for while no town exists."

    def handle(self, *args: Any, **options: Any) -> None:
        if not setup_is_open():
            self.stdout.write("a town exists: the setup page is closed")
            return
        self.stdout.write(setup_token())
