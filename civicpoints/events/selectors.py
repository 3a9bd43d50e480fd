"""Reads for events: what a person may see, the event record, a resident's statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum

from civicpoints.accounts.models import Role, User
from civicpoints.accounts.scope import town_of
from civicpoints.core.errors import NotFound
from civicpoints.core.search import matching
from civicpoints.events.errors import EventNotFound
from civicpoints.events.models import Event, EventStatus, Outcome, SignUp, SignUpStatus
from civicpoints.events.services import can_organize


def events_for(user: User) -> QuerySet[Event]:
    """Events ``user`` may see, soonest first: their town's town-wide events and their
    community's (residents: published and finished ones; staff: also the drafts
    they may manage; a town admin: every event of the town)."""
    qs = (
        Event.objects.filter(town_id=town_of(user))
        .select_related("community", "rule")
        .prefetch_related("photos")
    )
    if user.role == Role.TOWN_ADMIN:
        return qs
    mine = Q(community__isnull=True)
    if user.community_id:
        mine |= Q(community_id=user.community_id)
    qs = qs.filter(mine)
    if user.is_community_staff:
        return qs.filter(~Q(status=EventStatus.DRAFT) | Q(community_id=user.community_id))
    return qs.visible()


def event_for(user: User, event_id: int) -> Event:
    """The event ``event_id`` if ``user`` may see it. Raises EventNotFound (404)."""
    try:
        return events_for(user).select_related("organizer").get(pk=event_id)
    except (Event.DoesNotExist, ValueError, TypeError):
        raise EventNotFound() from None


def event_for_organizer(user: User, event_id: int) -> Event:
    """The event ``event_id`` if ``user`` may manage it. Raises EventNotFound (404)."""
    event = event_for(user, event_id)
    if not can_organize(user, event):
        raise EventNotFound()
    return event


def signup_of(user: User, event: Event) -> SignUp | None:
    """``user``'s sign-up row for ``event``, if any (any status)."""
    return SignUp.objects.filter(event=event, resident=user).first()


def waitlist_position(signup: SignUp) -> int | None:
    """1-based place of a waitlisted sign-up in its event's queue; None otherwise."""
    if signup.status != SignUpStatus.WAITLISTED:
        return None
    ahead = SignUp.objects.filter(
        event_id=signup.event_id, status=SignUpStatus.WAITLISTED, queue_no__lt=signup.queue_no
    ).count()
    return ahead + 1


@dataclass
class EventRecord:
    confirmed: list[SignUp]
    waitlist: list[SignUp]
    walk_ins: list[SignUp]
    cancelled: list[SignUp]
    attended: int
    no_shows: int
    minutes: int
    points: int


def event_record(event: Event) -> EventRecord:
    """The whole record of ``event``: sign-ups by status (queue order), attendance totals."""
    rows = list(SignUp.objects.filter(event=event).select_related("resident").order_by("queue_no"))
    by = {s: [r for r in rows if r.status == s] for s in SignUpStatus.values}
    attended = [r for r in rows if r.outcome == Outcome.ATTENDED]
    return EventRecord(
        confirmed=by[SignUpStatus.CONFIRMED],
        waitlist=by[SignUpStatus.WAITLISTED],
        walk_ins=by[SignUpStatus.WALK_IN],
        cancelled=by[SignUpStatus.CANCELLED],
        attended=len(attended),
        no_shows=sum(1 for r in rows if r.outcome == Outcome.NO_SHOW),
        minutes=sum(r.minutes for r in attended),
        points=sum(r.points_awarded for r in rows),
    )


def my_signups(user: User) -> QuerySet[SignUp]:
    """``user``'s sign-ups, newest event first."""
    return (
        SignUp.objects.filter(resident=user)
        .select_related("event", "event__community")
        .order_by("-event__starts_at", "-pk")
    )


@dataclass
class Statement:
    resident: User
    rows: list[SignUp]
    events: int
    minutes: int
    points: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def volunteer_statement(resident: User) -> Statement:
    """The events ``resident`` attended (completed, not cancelled), with minutes and points.

    Raises NotFound for anyone who is not a resident.
    """
    if resident.role != Role.RESIDENT:
        raise NotFound()
    qs = (
        SignUp.objects.for_town(resident.town_id)
        .filter(resident=resident, outcome=Outcome.ATTENDED, event__status=EventStatus.COMPLETED)
        .select_related("event", "event__community")
        .order_by("event__starts_at", "pk")
    )
    totals = qs.aggregate(m=Sum("minutes"), p=Sum("points_awarded"))
    rows = list(qs)
    return Statement(
        resident=resident,
        rows=rows,
        events=len(rows),
        minutes=totals["m"] or 0,
        points=totals["p"] or 0,
    )


def search(user: User, wanted: Sequence[str], *, limit: int = 200) -> list[Event]:
    """Events ``user`` may see (``events_for``) that are published or over — never a
    draft, not even to its organizer — whose title, place or description hold every
    term of ``wanted`` (``core.search.query_terms``), latest start first, at most
    ``limit``."""
    qs = matching(events_for(user).exclude(status=EventStatus.DRAFT), "search_doc", wanted)
    return list(qs.order_by("-starts_at", "-pk")[:limit])
