"""Reminders of tomorrow's events, sent once per sign-up."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from civicpoints.accounts.models import Town
from civicpoints.core.timeutil import local_date, local_midnight
from civicpoints.events.models import EventStatus, SignUp, SignUpStatus
from civicpoints.events.services._common import _event_url
from civicpoints.notifications.models import NotificationKind
from civicpoints.notifications.services import message, notify


def events_send_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind every confirmed resident of the events starting on the next local day.

    Each sign-up is claimed with a compare-and-set on ``reminded_at`` before its
    message is written, in one transaction per sign-up, so a second run (or two
    schedulers at once) sends nothing twice.

    Returns: how many reminders were sent now.
    """
    now = now or timezone.now()
    # "tomorrow" is each town's own next local day
    window = Q()
    for town in Town.objects.only("pk", "time_zone"):
        tomorrow = local_date(now, town) + dt.timedelta(days=1)
        window |= Q(
            event__town_id=town.pk,
            event__starts_at__gte=local_midnight(tomorrow, town),
            event__starts_at__lt=local_midnight(tomorrow + dt.timedelta(days=1), town),
        )
    if not window:
        return 0
    due = (
        SignUp.objects.filter(
            window,
            status=SignUpStatus.CONFIRMED,
            reminded_at__isnull=True,
            event__status=EventStatus.PUBLISHED,
        )
        .select_related("event", "resident")
        .order_by("pk")
    )
    sent = 0
    for signup in due:
        with transaction.atomic():
            claimed = SignUp.objects.filter(pk=signup.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not claimed:
                continue
            ev = signup.event
            notify(
                recipient=signup.resident,
                kind=NotificationKind.EVENT_REMINDER,
                title=message(gettext_lazy("Tomorrow: %(title)s"), title=ev.title),
                body=message(
                    gettext_lazy("Starts %(start)s at %(place)s."),
                    start=timezone.localtime(ev.starts_at).strftime("%Y-%m-%d %H:%M"),
                    place=ev.place,
                ),
                url=_event_url(ev),
            )
            sent += 1
    return sent
