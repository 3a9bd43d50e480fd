"""Periodic jobs of accounts (``manage.py run_jobs``)."""

from civicpoints.accounts import services
from civicpoints.core.jobs import job


@job("accounts.purge_codes", cron="17 * * * *")
def purge_codes() -> str:
    """Hourly: forget SMS verification codes older than a day (idempotent)."""
    return f"{services.verification_codes_purge()} old codes deleted"
