"""Private helpers shared by the events services: locking, eligibility, the waitlist."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from civicpoints.accounts.models import Role, User
from civicpoints.events.errors import EventNotFound, NotEligible
from civicpoints.events.models import Event, SignUp, SignUpStatus
from civicpoints.notifications.models import NotificationKind
from civicpoints.notifications.services import message, notify
from civicpoints.points.errors import NotAResident

ACTIVE = (SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED, SignUpStatus.WALK_IN)


def _require_eligible(resident: User, event: Event) -> None:
    if resident.role != Role.RESIDENT or not resident.is_active:
        raise NotAResident(field="resident")
    if resident.town_id != event.town_id or (
        event.community_id is not None and resident.community_id != event.community_id
    ):
        raise NotEligible(field="event")


def _lock_event(event: Event | int) -> Event:
    pk = event.pk if isinstance(event, Event) else event
    try:
        return Event.objects.select_for_update().select_related("rule").get(pk=pk)
    except (Event.DoesNotExist, ValueError, TypeError):
        raise EventNotFound(field="event") from None


def _event_url(event: Event) -> str:
    return reverse("events:detail", args=[event.pk])


def _next_queue_no(ev: Event) -> int:
    """Hand out the next place in the queue of the locked ``ev`` (saved by the caller)."""
    n = ev.next_queue_no
    ev.next_queue_no = n + 1
    return n


def _promote(ev: Event) -> list[SignUp]:
    """Move the first waitlisted sign-ups up while the locked ``ev`` has free places."""
    promoted = []
    while ev.confirmed_count < ev.capacity:
        first = (
            SignUp.objects.select_for_update()
            .select_related("resident")
            .filter(event=ev, status=SignUpStatus.WAITLISTED)
            .order_by("queue_no")
            .first()
        )
        if first is None:
            break
        first.status = SignUpStatus.CONFIRMED
        first.save(update_fields=["status"])
        ev.confirmed_count += 1
        promoted.append(first)
        notify(
            recipient=first.resident,
            kind=NotificationKind.GENERAL,
            title=message(
                gettext_lazy("A place freed up: you are signed up for %(title)s"), title=ev.title
            ),
            body=message(
                gettext_lazy("Starts %(start)s at %(place)s."),
                start=timezone.localtime(ev.starts_at).strftime("%Y-%m-%d %H:%M"),
                place=ev.place,
            ),
            url=_event_url(ev),
        )
    return promoted


def _attended_minutes(ev: Event, signup: SignUp, *, until: dt.datetime) -> int:
    """Whole minutes attended: from check-in (not before the start) to check-out or ``until``.

    ``until`` is the moment of the check-out or of the event's completion:
    attendance ends at the check-out, at the completion or at the scheduled
    end, whichever comes first — never later than the moment it is counted,
    so completing an event early pays no minutes that had not happened yet.
    """
    if signup.checked_in_at is None:
        return 0
    start = max(signup.checked_in_at, ev.starts_at)
    end = min(signup.checked_out_at or until, until, ev.ends_at)
    return max(0, int((end - start).total_seconds()) // 60)
