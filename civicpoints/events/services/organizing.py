"""Organizing an event: who may organize, create, publish, update, photos, summary, cancel."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpoints.accounts.models import Community, Role, Town, User
from civicpoints.accounts.scope import require_staff, town_of
from civicpoints.core.errors import InvalidInput
from civicpoints.core.imaging import photo_prepare
from civicpoints.core.photos import photo_process
from civicpoints.core.search import document as search_document
from civicpoints.core.timeutil import local_date
from civicpoints.events.errors import NotYourEvent, WrongStatus
from civicpoints.events.models import (
    AwardMode,
    Event,
    EventPhoto,
    EventStatus,
    SignUp,
    SignUpStatus,
)
from civicpoints.events.services._common import ACTIVE, _event_url, _lock_event, _promote
from civicpoints.integrity import services as integrity
from civicpoints.notifications.models import NotificationKind
from civicpoints.notifications.services import message, notify
from civicpoints.points.errors import InsufficientPoints, RuleNotInForce, UnknownRule
from civicpoints.points.models import PointRule, PointTransaction, TransactionKind
from civicpoints.points.services import points_reverse

MAX_CAPACITY = 10_000


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
    town_id: int,
    town: Town | None,
) -> None:
    if rule.town_id != town_id:  # a rule of another town's catalog
        raise UnknownRule(field="rule")
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
    if not (
        PointRule.objects.for_town(rule.town_id)
        .in_force(local_date(starts_at, town))
        .filter(pk=rule.pk)
        .exists()
    ):
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
        town_id=town_of(actor),
        town=actor.town,
    )
    with transaction.atomic():
        return Event.objects.create(
            town_id=town_of(actor),
            community=community,
            organizer=actor,
            title=title.strip()[:120],
            description=(description or "").strip(),
            place=place.strip()[:200],
            search_doc=search_document(
                title.strip()[:120], place.strip()[:200], (description or "").strip()
            ),
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
        town_id=event.town_id,
        town=event.town,
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
        ev.search_doc = search_document(ev.title, ev.place, ev.description)
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

    Returns: the saved EventPhoto (stored as a re-encoded JPEG under a random name,
    with its thumbnail and a public copy with faces and plates blurred —
    ``core.imaging``; those who see the event see that copy, its organizers the
    original).

    The photo's perceptual hashes go to ``integrity.services.photos_check``: a
    near repeat of an earlier photo of the town (another event's, a post's, a
    report's) flags the event, with the earlier one beside it on the integrity
    screen, and the event's attendance awards not yet written wait for a staff
    decision (``integrity.services.award_or_hold`` with ``also=event``; awards
    written at an earlier completion stay as they are).

    Raises: NotYourEvent / OutOfScope; WrongStatus (cancelled); PhotoRefused
        (field ``image``: not a photo, too large, too many pixels — see
        ``civicpoints.core.photos``); InvalidInput (code ``too_many_photos``: 30 already).
    """
    require_organizer(actor, event)
    # slow image work (blur, hashes) before the transaction
    prepared = photo_prepare(photo_process(upload, field="image"))
    content, pub = prepared.processed, prepared.public
    with transaction.atomic():
        ev = _lock_event(event)
        if ev.status == EventStatus.CANCELLED:
            raise WrongStatus(field="status")
        if EventPhoto.objects.filter(event=ev).count() >= MAX_PHOTOS:
            raise InvalidInput(
                _("An event keeps at most 30 photos."), field="image", code="too_many_photos"
            )
        photo = EventPhoto(
            event=ev,
            town_id=ev.town_id,
            uploaded_by=actor,
            caption=(caption or "").strip()[:200],
            blurred=[r.as_dict() for r in pub.regions],
        )
        assert content.photo.name and content.thumbnail.name  # photo_process names both
        assert pub.photo.name and pub.thumbnail.name  # and public_rendition its two
        photo.image.save(content.photo.name, content.photo, save=False)
        photo.thumbnail.save(content.thumbnail.name, content.thumbnail, save=False)
        photo.public_image.save(pub.photo.name, pub.photo, save=False)
        photo.public_thumbnail.save(pub.thumbnail.name, pub.thumbnail, save=False)
        photo.save()
        integrity.photos_check(
            subject=ev,
            uploader=actor,
            community_id=ev.community_id,
            subject_url=reverse("events:manage", args=[ev.pk]),
            photos=[(prepared.fingerprint, photo.thumbnail.name or "")],
        )
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
            for s in signups:  # awards still held by an integrity flag are not due any more
                integrity.held_awards_withhold(subject=s)
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
