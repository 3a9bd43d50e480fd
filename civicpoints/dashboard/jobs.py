"""Periodic jobs of the dashboard (run by ``manage.py run_jobs``)."""

from civicpoints.core.jobs import job
from civicpoints.dashboard.services import figures_catch_up


@job("dashboard.daily_figures", cron="15 0 * * *", catch_up=True)
def daily_figures() -> str:
    """A quarter past local midnight: count yesterday (and anything missed) into the
    dashboard's daily figures."""
    return figures_catch_up()
