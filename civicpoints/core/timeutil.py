"""The town's local day. Caps, "today" and rankings use it, never UTC midnight.

Each town keeps its own IANA zone (``accounts.Town.time_zone``): pass the town
(anything with a ``time_zone`` attribute: a ``Town``) to get its local day.
Without a town — a job stamp, the platform operator — the platform's
``settings.TIME_ZONE`` is used.
"""

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


class Zoned(Protocol):
    """A town, as far as time is concerned: its IANA zone name."""

    @property
    def time_zone(self) -> str: ...


def town_tz(town: Zoned | None = None) -> ZoneInfo:
    """The town's time zone (``town.time_zone``); without a town ``settings.TIME_ZONE``
    (default Asia/Shanghai). ``ZoneInfo`` caches zones, so this is cheap."""
    return ZoneInfo(town.time_zone if town is not None else settings.TIME_ZONE)


def local_date(at: dt.datetime | None = None, town: Zoned | None = None) -> dt.date:
    """The local calendar date of the aware datetime ``at`` (default: now) in ``town``.

    The same instant is a different date in different towns: 2026-03-01 13:30 UTC
    is 1 March in Asia/Shanghai and still 1 March in America/New_York, but
    16:30 UTC is 2 March in Shanghai and 1 March in New York."""
    return (at or timezone.now()).astimezone(town_tz(town)).date()


def town_today(town: Zoned | None) -> dt.date:
    """Today's local date in ``town`` (see ``local_date``)."""
    return local_date(None, town)


def local_midnight(day: dt.date, town: Zoned | None = None) -> dt.datetime:
    """The aware datetime at which local ``day`` begins in ``town``."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=town_tz(town))
