"""Check-in and check-out, by the organizer's code or the resident's card."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpoints.accounts.locks import lock_person
from civicpoints.accounts.models import User
from civicpoints.events.codes import Purpose, checkin_code_verify
from civicpoints.events.errors import CheckInClosed, NotCheckedIn, NotSignedUp, WrongStatus
from civicpoints.events.models import Event, EventStatus, SignUp, SignUpStatus
from civicpoints.events.services._common import (
    _attended_minutes,
    _lock_event,
    _next_queue_no,
    _require_eligible,
)
from civicpoints.events.services.organizing import require_organizer
from civicpoints.integrity import services as integrity
from civicpoints.integrity.models import FlagKind

CHECK_IN_OPENS_BEFORE = dt.timedelta(hours=1)
# A check-in by code is flagged when, at that moment, more than LATE_SHARE of at least
# LATE_MIN_PRESENT earlier attendees had already checked out: the code on the screen
# was most likely passed on (a photo in a group chat) after the event had emptied.
LATE_MIN_PRESENT = 4
LATE_SHARE = 0.5


def _flag_if_late(ev: Event, signup: SignUp, at: dt.datetime) -> None:
    """Flag ``signup`` (just checked in by code at ``at``) if most attendees had left."""
    others = SignUp.objects.filter(event=ev, checked_in_at__isnull=False).exclude(pk=signup.pk)
    present = others.count()
    left = others.filter(checked_out_at__lte=at).count()
    if present < LATE_MIN_PRESENT or left <= present * LATE_SHARE:
        return
    integrity.flag_raise(
        kind=FlagKind.LATE_CHECK_IN,
        subject=signup,
        town_id=ev.town_id,
        community_id=ev.community_id or signup.resident.community_id,
        resident=signup.resident,
        reason=_("Checked in by code after %(left)d of %(present)d attendees had checked out.")
        % {"left": left, "present": present},
        evidence={
            "event": ev.pk,
            "event_title": ev.title,
            "checked_in_at": at.isoformat(),
            "attendees_before": present,
            "checked_out_before": left,
            "ends_at": ev.ends_at.isoformat(),
        },
        subject_url=reverse("events:detail", args=[ev.pk]),
    )


def _check_in(ev: Event, resident: User, at: dt.datetime) -> SignUp:
    """Check ``resident`` in at the locked ``ev``. Caller holds the event lock."""
    if ev.status != EventStatus.PUBLISHED:
        raise WrongStatus(field="event")
    if not ev.starts_at - CHECK_IN_OPENS_BEFORE <= at <= ev.ends_at:
        raise CheckInClosed(field="event")
    signup = SignUp.objects.select_for_update().filter(event=ev, resident=resident).first()
    if signup is not None and signup.checked_in_at is not None:
        signup.created = False  # checking in twice is harmless
        return signup
    if signup is not None and signup.status == SignUpStatus.CONFIRMED:
        signup.checked_in_at = at
        signup.save(update_fields=["checked_in_at"])
    elif ev.allow_walk_ins:
        _require_eligible(resident, ev)
        if signup is None:
            signup = SignUp(event=ev, resident=resident, town_id=ev.town_id, signed_up_at=at)
            signup.queue_no = _next_queue_no(ev)
            ev.save(update_fields=["next_queue_no"])
        signup.status = SignUpStatus.WALK_IN
        signup.checked_in_at = at
        signup.cancelled_at = None
        signup.save()
    else:
        raise NotSignedUp(field="event")
    signup.created = True
    return signup


def _check_out(ev: Event, resident: User, at: dt.datetime) -> SignUp:
    """Check ``resident`` out of the locked ``ev``, recording the minutes attended."""
    if ev.status != EventStatus.PUBLISHED:
        raise WrongStatus(field="event")
    signup = SignUp.objects.select_for_update().filter(event=ev, resident=resident).first()
    if signup is None or signup.checked_in_at is None:
        raise NotCheckedIn(field="event")
    if signup.checked_out_at is not None:
        signup.created = False
        return signup
    signup.checked_out_at = max(at, signup.checked_in_at)
    signup.minutes = _attended_minutes(ev, signup, until=signup.checked_out_at)
    signup.save(update_fields=["checked_out_at", "minutes"])
    signup.created = True
    return signup


def _scan(
    *, resident: User, event: Event, code: str, purpose: Purpose, at: dt.datetime | None
) -> SignUp:
    at = at or timezone.now()
    checkin_code_verify(event_id=event.pk, code=code, purpose=purpose, at=at)
    with transaction.atomic():
        lock_person(resident)  # lock order: the person, then the event
        ev = _lock_event(event)
        if purpose == "in":
            signup = _check_in(ev, resident, at)
            if signup.created:
                _flag_if_late(ev, signup, at)
            return signup
        return _check_out(ev, resident, at)


def event_check_in_by_code(
    *, resident: User, event: Event, code: str, at: dt.datetime | None = None
) -> SignUp:
    """The resident scanned the organizer's screen: check them in.

    Check-in is open from an hour before the start to the end. A confirmed
    sign-up is checked in; without one, only if the event takes walk-ins (a
    walk-in row, no place taken). Checking in twice returns the first check-in
    (``created`` False).

    Raises:
        InvalidCode / CodeExpired (field ``code``: the code is from before the
        previous minute), CheckInClosed, WrongStatus, NotSignedUp, NotEligible.
    """
    return _scan(resident=resident, event=event, code=code, purpose="in", at=at)


def event_check_out_by_code(
    *, resident: User, event: Event, code: str, at: dt.datetime | None = None
) -> SignUp:
    """The resident scanned the check-out code: record the check-out and the minutes
    attended (clipped to the event's hours). A second check-out keeps the first.

    Raises: InvalidCode / CodeExpired, NotCheckedIn, WrongStatus.
    """
    return _scan(resident=resident, event=event, code=code, purpose="out", at=at)


def event_check_in_by_card(
    *, actor: User, event: Event, token: str, at: dt.datetime | None = None
) -> SignUp:
    """The organizer scanned the resident's personal card (``accounts.card``) to check in.

    Same rules as ``event_check_in_by_code``.

    Raises: NotYourEvent / OutOfScope; InvalidInput(code ``invalid_card``, field
    ``token``); CheckInClosed, WrongStatus, NotSignedUp, NotEligible.
    """
    from civicpoints.accounts.card import resident_from_card

    require_organizer(actor, event)
    resident = resident_from_card(token)
    with transaction.atomic():
        lock_person(resident)  # lock order: the person, then the event
        return _check_in(_lock_event(event), resident, at or timezone.now())


def event_check_out_by_card(
    *, actor: User, event: Event, token: str, at: dt.datetime | None = None
) -> SignUp:
    """The organizer scanned the resident's card to check them out (minutes recorded).

    Raises: NotYourEvent / OutOfScope, InvalidInput(``invalid_card``), NotCheckedIn.
    """
    from civicpoints.accounts.card import resident_from_card

    require_organizer(actor, event)
    resident = resident_from_card(token)
    with transaction.atomic():
        lock_person(resident)  # lock order: the person, then the event
        return _check_out(_lock_event(event), resident, at or timezone.now())
