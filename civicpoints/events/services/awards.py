"""Completing an event: attendance, no-shows and the attendees' points, awarded once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpoints.accounts.models import User
from civicpoints.events.errors import WrongStatus
from civicpoints.events.models import AwardMode, Event, EventStatus, Outcome, SignUp, SignUpStatus
from civicpoints.events.services._common import _attended_minutes, _event_url, _lock_event
from civicpoints.events.services.organizing import require_organizer
from civicpoints.integrity import services as integrity
from civicpoints.notifications.models import NotificationKind
from civicpoints.notifications.services import message, notify
from civicpoints.points.errors import CapReached, NotAResident, RuleNotInForce


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


def _award(ev: Event, signup: SignUp, at: dt.datetime, actor: User) -> tuple[int, int, str]:
    """Award the attended ``signup``; returns (rows written, points, note if stopped).

    ``actor`` (the staff member completing the event) is the staff confirmation that a
    rule with ``requires_confirmation`` asks for: they saw the attendance."""
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
            # Held while an integrity flag on the sign-up (a late check-in) or on the
            # event (a record photo repeating an earlier one) is open.
            row = integrity.award_or_hold(
                subject=signup,
                also=ev,
                resident=signup.resident,
                rule=ev.rule,
                cause=signup,
                idempotency_key=key,
                actor=actor,
                memo=ev.title,
                at=at,
            )
        except (CapReached, RuleNotInForce, NotAResident) as exc:
            return written, points, str(exc.detail)[:200]
        if row is None:
            return written, points, _("The points wait for a staff decision on an integrity flag.")
        written += 1
        points += row.points
    return written, points, ""


def event_complete(*, actor: User, event: Event, at: dt.datetime | None = None) -> CompletionResult:
    """Close the event: record attendance and no-shows, award attendees once.

    Every confirmed or walk-in sign-up that checked in is ``attended`` (minutes
    from check-in to check-out, the completion ``at`` or the scheduled end,
    whichever comes first: an event completed early pays only the time that
    happened) and gets the
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
            signup.minutes = _attended_minutes(ev, signup, until=at)
            written, points, note = _award(ev, signup, at, actor)
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
