"""Periodic jobs of the events app (run by ``manage.py run_jobs``)."""

from civicpoints.core.jobs import job
from civicpoints.events.services import events_send_reminders


@job("events.reminders", cron="0 9 * * *")
def reminders() -> str:
    """At 09:00 local time, remind confirmed residents of tomorrow's events (once each)."""
    return f"{events_send_reminders()} reminders sent"
