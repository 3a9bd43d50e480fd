"""Periodic jobs of the dashboard (run by ``manage.py run_jobs``)."""

from civicpoints.core.jobs import job
from civicpoints.dashboard.services import figures_catch_up, figures_today


@job("dashboard.daily_figures", cron="15 0 * * *", catch_up=True)
def daily_figures() -> str:
    """A quarter past local midnight: count yesterday (and anything missed) into the
    dashboard's daily figures."""
    return figures_catch_up()


@job("dashboard.figures_today", cron="*/5 * * * *")
def figures_of_today() -> str:
    """Every five minutes: count today's settled ledger rows into the daily figures, so
    the staff dashboard reads only the last few minutes from the ledger."""
    return figures_today()
