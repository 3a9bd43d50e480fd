"""Periodic jobs of the ledger (run by ``manage.py run_jobs``)."""

from civicpoints.core.jobs import job
from civicpoints.points import expiry


@job("points.expire", cron="20 0 * * *", catch_up=True)
def expire_points() -> str:
    """Expire the points due under each town's expiry policy (idempotent; off by default)."""
    return f"{expiry.points_expire_due()} expiry rows written"
