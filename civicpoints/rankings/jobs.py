"""Periodic jobs of the rankings app (run by ``manage.py run_jobs``)."""

from civicpoints.core.jobs import job
from civicpoints.rankings.services import snapshot_catch_up


@job("rankings.daily_snapshot", cron="5 0 * * *", catch_up=True)
def daily_snapshot() -> str:
    """Five minutes after local midnight: snapshot yesterday, and any day missed before."""
    return snapshot_catch_up()
