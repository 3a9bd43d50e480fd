"""Reminders of the town's points expiry (``points.expiry``): a month and a week before.

Run daily by the job ``notifications.points_expiry_reminders``. Within 30 days of
the next expiry date each resident with points due gets the month's reminder,
within 7 days the week's; each once (a ``SentReminder`` with the key
``points-expiry:<date>:<stage>:<resident id>``, unique), so a second run, a late
run or two processes racing remind once. Someone reached first inside the last
week gets only the week's.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import Role, User
from civicpoints.accounts.scope import town_of
from civicpoints.core.timeutil import town_today
from civicpoints.notifications.models import NotificationKind, SentReminder
from civicpoints.notifications.services import message, notify
from civicpoints.points import expiry
from civicpoints.points.models import ExpiryPolicy


def _stage(days_left: int) -> str | None:
    if days_left < 0 or days_left > expiry.NOTICE_DAYS:
        return None
    return "week" if days_left <= expiry.WEEK_DAYS else "month"


def points_expiry_remind(*, today: dt.date | None = None) -> int:
    """Send the due reminders in every town whose expiry policy is on; returns how
    many were sent (0 on a second run the same day)."""
    sent = 0
    given = today
    for policy in ExpiryPolicy.objects.filter(enabled=True).select_related("town"):
        today = given or town_today(policy.town)  # each town's own today
        expires_on = expiry.next_expiry(policy, today)
        if expires_on is None:
            continue
        stage = _stage((expires_on - today).days)
        if stage is None:
            continue
        cutoff = expiry.cutoff_for(expires_on, policy.years_kept)
        due = dict(
            expiry.accounts_due(policy.town_id, cutoff)
            .filter(resident__role=Role.RESIDENT, resident__is_active=True)
            .values_list("resident_id", "due")  # type: ignore[misc]  # annotated in accounts_due
        )
        prefix = f"points-expiry:{expires_on.isoformat()}:{stage}:"
        done = {
            int(k.rsplit(":", 1)[1])
            for k in SentReminder.objects.filter(key__startswith=prefix).values_list(
                "key", flat=True
            )
        }
        todo = sorted(set(due) - done)
        for person in User.objects.filter(pk__in=todo).order_by("pk").iterator(chunk_size=500):
            sent += _remind(person, prefix, expires_on, due[person.pk])
    return sent


def _remind(person: User, prefix: str, expires_on: dt.date, points: int) -> int:
    """One reminder in one transaction: the once-only row, then the message."""
    try:
        with transaction.atomic():
            SentReminder.objects.create(
                recipient=person, town_id=town_of(person), key=f"{prefix}{person.pk}"
            )
            notify(
                recipient=person,
                kind=NotificationKind.POINTS_EXPIRING,
                title=message(
                    _("%(points)d points expire on %(date)s"),
                    points=points,
                    date=expires_on.isoformat(),
                ),
                body=message(
                    _(
                        "Your oldest points are used first. Spend them at the merchant "
                        "alliance before the end of %(date)s."
                    ),
                    date=expires_on.isoformat(),
                ),
                url=reverse("points:history"),
            )
    except IntegrityError:  # reminded meanwhile by another run
        return 0
    return 1
