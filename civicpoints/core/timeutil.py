"""The town's local day. Caps, "today" and rankings use it, never UTC midnight."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def town_tz() -> ZoneInfo:
    """The town's time zone (settings.TIME_ZONE, default Asia/Shanghai)."""
    return ZoneInfo(settings.TIME_ZONE)


def local_date(at: dt.datetime | None = None) -> dt.date:
    """The local calendar date of the aware datetime ``at`` (default: now) in the town."""
    return (at or timezone.now()).astimezone(town_tz()).date()


def local_midnight(day: dt.date) -> dt.datetime:
    """The aware datetime at which local ``day`` begins."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=town_tz())
