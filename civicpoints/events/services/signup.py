"""Signing up for an event and cancelling; a freed place goes to the waitlist."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpoints.accounts.locks import lock_person
from civicpoints.accounts.models import User
from civicpoints.core.errors import InvalidInput
from civicpoints.events.errors import EventNotOpen, NotSignedUp, SignUpClosed, TooLateToCancel
from civicpoints.events.models import Event, EventStatus, SignUp, SignUpStatus
from civicpoints.events.services._common import (
    ACTIVE,
    _lock_event,
    _next_queue_no,
    _promote,
    _require_eligible,
)


def event_sign_up(
    *,
    resident: User,
    event: Event,
    age_confirmed: bool = False,
    at: dt.datetime | None = None,
) -> SignUp:
    """Sign ``resident`` up: a confirmed place while there is one, else the waitlist.

    Locks the event row, so 50 residents racing for 10 places get exactly 10
    confirmed places and a waitlist in the order they got the lock
    (``queue_no``). Idempotent: signing up again while confirmed, waitlisted or
    checked in as a walk-in returns that row (``created`` False). After a
    cancellation, signing up again joins the back of the queue.

    Args:
        age_confirmed: required True when the event has a minimum age (the
            resident declares it; we hold no birth dates).
        at: the time of the request (aware; default now), compared with the deadline.

    Returns: the SignUp (status ``confirmed`` or ``waitlisted``), ``created`` True if changed.

    Raises:
        EventNotFound, EventNotOpen (draft, completed, cancelled), SignUpClosed
        (after the deadline), NotAResident, NotEligible (another community or
        town), InvalidInput(code ``age_not_confirmed``, field ``age_confirmed``).
    """
    at = at or timezone.now()
    with transaction.atomic():
        resident = lock_person(resident)  # lock order: the person, then the event
        ev = _lock_event(event)
        _require_eligible(resident, ev)
        if ev.status != EventStatus.PUBLISHED:
            raise EventNotOpen(field="event")
        existing = SignUp.objects.select_for_update().filter(event=ev, resident=resident).first()
        if existing is not None and existing.status in ACTIVE:
            existing.created = False
            return existing
        if at > ev.signup_deadline:
            raise SignUpClosed(field="event")
        if ev.min_age and not age_confirmed:
            raise InvalidInput(
                _("Confirm that you are at least %(age)d years old.") % {"age": ev.min_age},
                field="age_confirmed",
                code="age_not_confirmed",
            )
        status = (
            SignUpStatus.CONFIRMED if ev.confirmed_count < ev.capacity else SignUpStatus.WAITLISTED
        )
        if status == SignUpStatus.CONFIRMED:
            ev.confirmed_count += 1
        signup = existing or SignUp(event=ev, resident=resident, town_id=ev.town_id)
        signup.status = status
        signup.queue_no = _next_queue_no(ev)
        signup.signed_up_at = at
        signup.cancelled_at = None
        signup.save()
        ev.save(update_fields=["confirmed_count", "next_queue_no"])
        signup.created = True
        return signup


def event_sign_up_cancel(*, resident: User, event: Event, at: dt.datetime | None = None) -> SignUp:
    """Cancel ``resident``'s sign-up; a freed place goes to the first on the waitlist.

    Locks the event row, then the sign-up; the promotion (and the promoted
    resident's notification) happens in the same transaction. Idempotent: an
    already cancelled sign-up is returned unchanged (``created`` False).

    Raises:
        EventNotFound; NotSignedUp (no sign-up); TooLateToCancel (the event has
        started, is finished, or the resident already checked in).
    """
    at = at or timezone.now()
    with transaction.atomic():
        lock_person(resident)  # lock order: the person, then the event
        ev = _lock_event(event)
        signup = SignUp.objects.select_for_update().filter(event=ev, resident=resident).first()
        if signup is None:
            raise NotSignedUp(field="event")
        if signup.status == SignUpStatus.CANCELLED:
            signup.created = False
            return signup
        if ev.status != EventStatus.PUBLISHED or at >= ev.starts_at or signup.checked_in_at:
            raise TooLateToCancel(field="event")
        was_confirmed = signup.status == SignUpStatus.CONFIRMED
        signup.status = SignUpStatus.CANCELLED
        signup.cancelled_at = at
        signup.save(update_fields=["status", "cancelled_at"])
        if was_confirmed:
            ev.confirmed_count -= 1
            _promote(ev)
            ev.save(update_fields=["confirmed_count"])
        signup.created = True
        return signup
