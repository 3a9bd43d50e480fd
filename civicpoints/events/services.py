"""Every change to events and sign-ups: organize, sign up, check in/out, complete, cancel.

Locking: every service that changes places, the waitlist or attendance locks the
``Event`` row first (``select_for_update``; SQLite's IMMEDIATE transactions
serialize writers anyway), then the sign-up rows it touches. The event row
carries ``confirmed_count`` under ``CHECK (confirmed_count <= capacity)`` and
hands out ``queue_no`` (the waitlist order), so two sign-ups can never both take
the last place, and the waitlist is first come, first served.

Points move only through ``points_award`` / ``points_reverse``; every ledger row
points at the ``SignUp`` it is for, under a key derived from (event, sign-up,
hour), so completing an event twice awards once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpoints.accounts.models import Community, Role, User
from civicpoints.accounts.scope import require_staff
from civicpoints.core.errors import InvalidInput
from civicpoints.core.photos import photo_process
from civicpoints.core.timeutil import local_date, local_midnight
from civicpoints.events.codes import Purpose, checkin_code_verify
from civicpoints.events.errors import (
    CheckInClosed,
    EventNotFound,
    EventNotOpen,
    NotCheckedIn,
    NotEligible,
    NotSignedUp,
    NotYourEvent,
    SignUpClosed,
    TooLateToCancel,
    WrongStatus,
)
from civicpoints.events.models import (
    AwardMode,
    Event,
    EventPhoto,
    EventStatus,
    Outcome,
    SignUp,
    SignUpStatus,
)
from civicpoints.notifications.models import NotificationKind
from civicpoints.notifications.services import message, notify
from civicpoints.points.errors import CapReached, InsufficientPoints, NotAResident, RuleNotInForce
from civicpoints.points.models import PointRule, PointTransaction, TransactionKind
from civicpoints.points.services import points_award, points_reverse

MAX_CAPACITY = 10_000
CHECK_IN_OPENS_BEFORE = dt.timedelta(hours=1)
ACTIVE = (SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED, SignUpStatus.WALK_IN)


# --- scope -------------------------------------------------------------------


def can_organize(actor: User, event: Event) -> bool:
    """True when ``actor`` may manage ``event``: a town admin of its town, or staff of
    its community (town-wide events: town admins only)."""
    if not (actor.is_authenticated and actor.is_active and actor.is_community_staff):
        return False
    if actor.town_id != event.town_id:
        return False
    if actor.role == Role.TOWN_ADMIN:
        return True
    return event.community_id is not None and event.community_id == actor.community_id


def require_organizer(actor: User, event: Event) -> None:
    """Raises OutOfScope (``staff_only``) for non-staff, NotYourEvent (403) outside scope."""
    require_staff(actor)
    if not can_organize(actor, event):
        raise NotYourEvent(field="event")


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


# --- organizing ----------------------------------------------------------------


def _validate_fields(
    *,
    title: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    signup_deadline: dt.datetime,
    capacity: int,
    rule: PointRule,
    award_mode: str,
    max_hours: int | None,
    min_age: int | None,
) -> None:
    if not (title or "").strip():
        raise InvalidInput(_("An event needs a title."), field="title", code="required")
    if not (place or "").strip():
        raise InvalidInput(_("Say where the event takes place."), field="place", code="required")
    for name, value in (
        ("starts_at", starts_at),
        ("ends_at", ends_at),
        ("signup_deadline", signup_deadline),
    ):
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            raise InvalidInput(_("Give a date and time."), field=name, code="invalid_time")
    if ends_at <= starts_at:
        raise InvalidInput(
            _("The event must end after it starts."), field="ends_at", code="ends_before_start"
        )
    if signup_deadline > starts_at:
        raise InvalidInput(
            _("The sign-up deadline must be no later than the start."),
            field="signup_deadline",
            code="deadline_after_start",
        )
    if not isinstance(capacity, int) or not 0 < capacity <= MAX_CAPACITY:
        raise InvalidInput(
            _("Places must be a whole number from 1 to 10000."),
            field="capacity",
            code="invalid_capacity",
        )
    if award_mode not in AwardMode.values:
        raise InvalidInput(_("Choose how points are awarded."), field="award_mode", code="invalid")
    if max_hours is not None and (not isinstance(max_hours, int) or not 0 < max_hours <= 24):
        raise InvalidInput(
            _("The hour cap must be from 1 to 24."), field="max_hours", code="invalid_max_hours"
        )
    if min_age is not None and (not isinstance(min_age, int) or not 0 < min_age <= 120):
        raise InvalidInput(
            _("The minimum age must be from 1 to 120."), field="min_age", code="invalid_min_age"
        )
    if not PointRule.objects.in_force(local_date(starts_at)).filter(pk=rule.pk).exists():
        raise RuleNotInForce(field="rule")


def event_create(
    *,
    actor: User,
    title: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    signup_deadline: dt.datetime,
    capacity: int,
    rule: PointRule,
    description: str = "",
    award_mode: str = AwardMode.FLAT,
    max_hours: int | None = None,
    min_age: int | None = None,
    allow_walk_ins: bool = False,
    community: Community | None = None,
) -> Event:
    """Create a draft event organized by ``actor``.

    Args:
        actor: community staff / grid worker (the event is for their community;
            ``community`` must be theirs or None) or a town admin (``community``
            of their town, or None for a town-wide event).
        starts_at, ends_at, signup_deadline: aware datetimes; deadline ≤ start < end.
        capacity: places, 1–10,000.
        rule: the catalog rule awarded on completion (in force on the start day);
            ``award_mode`` ``flat`` (once) or ``per_hour`` (once per whole hour
            attended, at most ``max_hours``, 1–24, or uncapped).
        min_age: residents confirm at sign-up that they are at least this old.

    Returns: the saved Event (status ``draft``).

    Raises:
        OutOfScope (``staff_only``), NotYourEvent (another community or town),
        InvalidInput (field named: title, place, times, capacity, max_hours,
        min_age), RuleNotInForce.
    """
    require_staff(actor)
    if actor.role != Role.TOWN_ADMIN:
        if community is not None and community.pk != actor.community_id:
            raise NotYourEvent(field="community")
        community = actor.community
    elif community is not None and community.town_id != actor.town_id:
        raise NotYourEvent(field="community")
    _validate_fields(
        title=title,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        signup_deadline=signup_deadline,
        capacity=capacity,
        rule=rule,
        award_mode=award_mode,
        max_hours=max_hours,
        min_age=min_age,
    )
    with transaction.atomic():
        return Event.objects.create(
            town_id=actor.town_id,
            community=community,
            organizer=actor,
            title=title.strip()[:120],
            description=(description or "").strip(),
            place=place.strip()[:200],
            starts_at=starts_at,
            ends_at=ends_at,
            signup_deadline=signup_deadline,
            capacity=capacity,
            rule=rule,
            award_mode=award_mode,
            max_hours=max_hours if award_mode == AwardMode.PER_HOUR else None,
            min_age=min_age,
            allow_walk_ins=bool(allow_walk_ins),
        )


def event_publish(*, actor: User, event: Event) -> Event:
    """Open a draft for sign-up (idempotent on a published event).

    Raises: NotYourEvent / OutOfScope, WrongStatus (completed or cancelled).
    """
    require_organizer(actor, event)
    with transaction.atomic():
        ev = _lock_event(event)
        if ev.status == EventStatus.PUBLISHED:
            return ev
        if ev.status != EventStatus.DRAFT:
            raise WrongStatus(field="status")
        ev.status = EventStatus.PUBLISHED
        ev.published_at = timezone.now()
        ev.save(update_fields=["status", "published_at"])
        return ev


def event_update(
    *,
    actor: User,
    event: Event,
    title: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    signup_deadline: dt.datetime,
    capacity: int,
    rule: PointRule,
    description: str = "",
    award_mode: str = AwardMode.FLAT,
    max_hours: int | None = None,
    min_age: int | None = None,
    allow_walk_ins: bool = False,
) -> Event:
    """Change a draft or published event before it starts (same fields as ``event_create``;
    the community stays).

    Locks the event. More places move the first waitlisted residents up (they
    are told); fewer places than are already confirmed is refused. When a
    published event's time or place changes, everyone signed up is told.

    Raises:
        NotYourEvent / OutOfScope; WrongStatus (completed, cancelled or started);
        InvalidInput as ``event_create``, and code ``capacity_below_confirmed``
        (field ``capacity``); RuleNotInForce.
    """
    require_organizer(actor, event)
    _validate_fields(
        title=title,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        signup_deadline=signup_deadline,
        capacity=capacity,
        rule=rule,
        award_mode=award_mode,
        max_hours=max_hours,
        min_age=min_age,
    )
    with transaction.atomic():
        ev = _lock_event(event)
        if ev.status not in (EventStatus.DRAFT, EventStatus.PUBLISHED) or (
            ev.status == EventStatus.PUBLISHED and timezone.now() >= ev.starts_at
        ):
            raise WrongStatus(field="status")
        if capacity < ev.confirmed_count:
            raise InvalidInput(
                _("%(n)d residents already have a place; keep at least that many places.")
                % {"n": ev.confirmed_count},
                field="capacity",
                code="capacity_below_confirmed",
            )
        moved = ev.starts_at != starts_at or ev.place != place.strip()
        ev.title = title.strip()[:120]
        ev.description = (description or "").strip()
        ev.place = place.strip()[:200]
        ev.starts_at, ev.ends_at, ev.signup_deadline = starts_at, ends_at, signup_deadline
        ev.capacity = capacity
        ev.rule = rule
        ev.award_mode = award_mode
        ev.max_hours = max_hours if award_mode == AwardMode.PER_HOUR else None
        ev.min_age = min_age
        ev.allow_walk_ins = bool(allow_walk_ins)
        ev.save()
        if ev.status == EventStatus.PUBLISHED:
            promoted = {s.pk for s in _promote(ev)}
            ev.save(update_fields=["confirmed_count"])
            if moved:
                for signup in (
                    SignUp.objects.filter(
                        event=ev, status__in=(SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED)
                    )
                    .exclude(pk__in=promoted)
                    .select_related("resident")
                ):
                    notify(
                        recipient=signup.resident,
                        kind=NotificationKind.GENERAL,
                        title=message(gettext_lazy("Changed: %(title)s"), title=ev.title),
                        body=message(
                            gettext_lazy("Now %(start)s at %(place)s."),
                            start=timezone.localtime(ev.starts_at).strftime("%Y-%m-%d %H:%M"),
                            place=ev.place,
                        ),
                        url=_event_url(ev),
                    )
        return ev


MAX_PHOTOS = 30


def event_photo_add(*, actor: User, event: Event, upload, caption: str = "") -> EventPhoto:
    """Add a photo to the event record (organizers; any status but cancelled).

    Args:
        upload: an uploaded file (Django ``UploadedFile`` or any binary file object).
        caption: up to 200 characters.

    Returns: the saved EventPhoto (stored as a re-encoded JPEG under a random name).

    Raises: NotYourEvent / OutOfScope; WrongStatus (cancelled); PhotoRefused
        (field ``image``: not a photo, too large, too many pixels — see
        ``civicpoints.core.photos``); InvalidInput (code ``too_many_photos``: 30 already).
    """
    require_organizer(actor, event)
    content = photo_process(upload, field="image").photo
    with transaction.atomic():
        ev = _lock_event(event)
        if ev.status == EventStatus.CANCELLED:
            raise WrongStatus(field="status")
        if EventPhoto.objects.filter(event=ev).count() >= MAX_PHOTOS:
            raise InvalidInput(
                _("An event keeps at most 30 photos."), field="image", code="too_many_photos"
            )
        photo = EventPhoto(
            event=ev, town_id=ev.town_id, uploaded_by=actor, caption=(caption or "").strip()[:200]
        )
        photo.image.save("photo.jpg", content, save=False)
        photo.save()
        return photo


def event_summary_set(*, actor: User, event: Event, summary: str) -> Event:
    """Write the event record's summary (what happened; shown on the event page).

    Raises: NotYourEvent / OutOfScope; InvalidInput (field ``summary``) beyond 5,000 characters.
    """
    require_organizer(actor, event)
    summary = (summary or "").strip()
    if len(summary) > 5000:
        raise InvalidInput(
            _("The summary is limited to 5000 characters."), field="summary", code="too_long"
        )
    with transaction.atomic():
        ev = _lock_event(event)
        ev.summary = summary
        ev.save(update_fields=["summary"])
        return ev


# --- sign-up and waitlist ----------------------------------------------------------


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


# --- check-in and check-out -----------------------------------------------------


def _attended_minutes(ev: Event, signup: SignUp) -> int:
    """Whole minutes inside the event's hours between check-in and check-out (or the end)."""
    if signup.checked_in_at is None:
        return 0
    start = max(signup.checked_in_at, ev.starts_at)
    end = min(signup.checked_out_at or ev.ends_at, ev.ends_at)
    return max(0, int((end - start).total_seconds()) // 60)


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
    signup.minutes = _attended_minutes(ev, signup)
    signup.save(update_fields=["checked_out_at", "minutes"])
    signup.created = True
    return signup


def _scan(
    *, resident: User, event: Event, code: str, purpose: Purpose, at: dt.datetime | None
) -> SignUp:
    at = at or timezone.now()
    checkin_code_verify(event_id=event.pk, code=code, purpose=purpose, at=at)
    with transaction.atomic():
        ev = _lock_event(event)
        return (_check_in if purpose == "in" else _check_out)(ev, resident, at)


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
        return _check_out(_lock_event(event), resident, at or timezone.now())


# --- completion and cancellation ---------------------------------------------------


@dataclass
class CompletionResult:
    attended: int = 0
    no_shows: int = 0
    points: int = 0
    not_awarded: list[str] = field(default_factory=list)


def _award_key(ev: Event, signup: SignUp, hour: int | None) -> str:
    """The ledger key of one award for ``signup``: one per event, sign-up [and hour]."""
    suffix = "flat" if hour is None else f"hour:{hour}"
    return f"event:{ev.pk}:signup:{signup.pk}:{suffix}"


def _award(ev: Event, signup: SignUp, at: dt.datetime) -> tuple[int, int, str]:
    """Award the attended ``signup``; returns (rows written, points, note if stopped)."""
    if ev.award_mode == AwardMode.PER_HOUR:
        hours = signup.minutes // 60
        if ev.max_hours is not None:
            hours = min(hours, ev.max_hours)
        keys = [_award_key(ev, signup, h) for h in range(1, hours + 1)]
    else:
        keys = [_award_key(ev, signup, None)]
    written, points = 0, 0
    for key in keys:
        try:
            row = points_award(
                resident=signup.resident,
                rule=ev.rule,
                cause=signup,
                idempotency_key=key,
                memo=ev.title,
                at=at,
            )
        except (CapReached, RuleNotInForce, NotAResident) as exc:
            return written, points, str(exc.detail)[:200]
        written += 1
        points += row.points
    return written, points, ""


def event_complete(*, actor: User, event: Event, at: dt.datetime | None = None) -> CompletionResult:
    """Close the event: record attendance and no-shows, award attendees once.

    Every confirmed or walk-in sign-up that checked in is ``attended`` (minutes
    inside the event's hours; no check-out counts until the end) and gets the
    event's rule — once (flat) or once per whole hour, up to ``max_hours``
    (per hour) — each ledger row keyed by (event, sign-up, hour), caused by the
    sign-up. A confirmed sign-up never checked in is a ``no_show``. An award
    the ledger refuses (the rule's daily cap, a deactivated resident) is noted
    on the sign-up; the others go ahead. Idempotent: completing again changes
    nothing and awards nothing.

    Raises: NotYourEvent / OutOfScope; WrongStatus (not published, or before the start).
    """
    require_organizer(actor, event)
    at = at or timezone.now()
    result = CompletionResult()
    with transaction.atomic():
        ev = _lock_event(event)
        if ev.status == EventStatus.COMPLETED:
            return result
        if ev.status != EventStatus.PUBLISHED or at < ev.starts_at:
            raise WrongStatus(_("An event can be completed once it has started."), field="status")
        signups = (
            SignUp.objects.select_for_update()
            .select_related("resident")
            .filter(event=ev, status__in=(SignUpStatus.CONFIRMED, SignUpStatus.WALK_IN))
            .order_by("pk")
        )
        for signup in signups:
            if signup.checked_in_at is None:
                signup.outcome = Outcome.NO_SHOW
                signup.save(update_fields=["outcome"])
                result.no_shows += 1
                continue
            signup.outcome = Outcome.ATTENDED
            signup.minutes = _attended_minutes(ev, signup)
            written, points, note = _award(ev, signup, at)
            signup.hours_awarded = written if ev.award_mode == AwardMode.PER_HOUR else 0
            signup.points_awarded = points
            signup.award_note = note
            signup.save(
                update_fields=[
                    "outcome",
                    "minutes",
                    "hours_awarded",
                    "points_awarded",
                    "award_note",
                ]
            )
            result.attended += 1
            result.points += points
            if note:
                result.not_awarded.append(signup.resident.nickname)
            if points:
                notify(
                    recipient=signup.resident,
                    kind=NotificationKind.POINTS_AWARDED,
                    title=message(
                        gettext_lazy("You earned %(points)d points at %(title)s"),
                        points=points,
                        title=ev.title,
                    ),
                    url=_event_url(ev),
                )
        ev.status = EventStatus.COMPLETED
        ev.completed_at = at
        ev.completed_by = actor
        ev.save(update_fields=["status", "completed_at", "completed_by"])
        return result


@dataclass
class CancelResult:
    reversed_rows: int = 0
    not_reversed: list[str] = field(default_factory=list)


def event_cancel(*, actor: User, event: Event, reason: str = "") -> CancelResult:
    """Cancel the event. Residents signed up are told; a completed event's awards are
    reversed (a compensating row per award, ``points_reverse``).

    A reversal the ledger refuses because the resident has spent the points
    is listed in ``not_reversed`` (nickname) and left for staff to settle with
    an adjustment; everything else goes ahead. Idempotent on a cancelled event.

    Returns: CancelResult(reversed_rows, not_reversed).

    Raises: NotYourEvent / OutOfScope.
    """
    require_organizer(actor, event)
    reason = (reason or "").strip()[:200]
    result = CancelResult()
    with transaction.atomic():
        ev = _lock_event(event)
        if ev.status == EventStatus.CANCELLED:
            return result
        signups = list(
            SignUp.objects.select_for_update()
            .select_related("resident")
            .filter(event=ev, status__in=ACTIVE)
            .order_by("pk")
        )
        if ev.status == EventStatus.COMPLETED:
            by_id = {str(s.pk): s for s in signups}
            rows = (
                PointTransaction.objects.filter(
                    cause_type=ContentType.objects.get_for_model(SignUp),
                    cause_id__in=list(by_id),
                    kind=TransactionKind.AWARD,
                    reversed_by__isnull=True,
                )
                .select_related("resident", "rule")
                .order_by("pk")
            )
            for row in rows:
                signup = by_id[row.cause_id]
                try:
                    points_reverse(original=row, actor=actor, memo=reason or ev.title)
                except InsufficientPoints:
                    result.not_reversed.append(signup.resident.nickname)
                    continue
                result.reversed_rows += 1
                signup.points_awarded -= row.points
                signup.save(update_fields=["points_awarded"])
        elif ev.status == EventStatus.PUBLISHED:
            for signup in signups:
                notify(
                    recipient=signup.resident,
                    kind=NotificationKind.GENERAL,
                    title=message(gettext_lazy("Cancelled: %(title)s"), title=ev.title),
                    body=reason,
                    url=_event_url(ev),
                )
        ev.status = EventStatus.CANCELLED
        ev.cancelled_at = timezone.now()
        ev.cancel_reason = reason
        ev.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        return result


# --- reminders -----------------------------------------------------------------


def events_send_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind every confirmed resident of the events starting on the next local day.

    Each sign-up is claimed with a compare-and-set on ``reminded_at`` before its
    message is written, in one transaction per sign-up, so a second run (or two
    schedulers at once) sends nothing twice.

    Returns: how many reminders were sent now.
    """
    now = now or timezone.now()
    tomorrow = local_date(now) + dt.timedelta(days=1)
    start, end = local_midnight(tomorrow), local_midnight(tomorrow + dt.timedelta(days=1))
    due = (
        SignUp.objects.filter(
            status=SignUpStatus.CONFIRMED,
            reminded_at__isnull=True,
            event__status=EventStatus.PUBLISHED,
            event__starts_at__gte=start,
            event__starts_at__lt=end,
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
