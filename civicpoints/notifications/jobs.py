"""Periodic jobs of the inbox (run by ``manage.py run_jobs``)."""

from civicpoints.core.jobs import job
from civicpoints.notifications import expiry


@job("notifications.points_expiry_reminders", cron="0 10 * * *", catch_up=True)
def points_expiry_reminders() -> str:
    """Remind residents a month and a week before their points expire (once each)."""
    return f"{expiry.points_expiry_remind()} points expiry reminders sent"
