"""Events API: list and read events, sign up and cancel, check in/out, the organizer's desk.

Times are ISO 8601 with offset (aware); a naive time is refused (422). The
check-in ``code`` is what the organizer's screen encodes (``GET
/events/{id}/checkin-code``); it is good for the minute it was made in and the
next one.
"""

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from civicpoints.accounts.models import Community
from civicpoints.accounts.scope import town_of
from civicpoints.core.bounds import Count, DateTime, ObjectId
from civicpoints.core.errors import InvalidInput, NotFound
from civicpoints.core.pagination import BoundedLimitOffsetPagination
from civicpoints.core.schemas import ErrorOut
from civicpoints.events import selectors, services
from civicpoints.events.codes import WINDOW_SECONDS, checkin_code
from civicpoints.events.ics import event_ics
from civicpoints.events.models import Event, SignUp
from civicpoints.points.services import rule_get

router = Router(tags=["events"])


class PhotoOut(Schema):
    id: int
    url: str = Field(..., description="The public copy: faces and licence plates blurred.")
    thumbnail_url: str = Field(..., description="Its thumbnail (at most 400 px a side).")
    caption: str

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.public_url

    @staticmethod
    def resolve_thumbnail_url(obj) -> str:
        return obj.public_thumbnail_url


class EventOut(Schema):
    id: int
    title: str
    description: str
    place: str
    community: str | None = Field(None, alias="community.name", description="None: town-wide.")
    starts_at: dt.datetime
    ends_at: dt.datetime
    signup_deadline: dt.datetime
    capacity: int = Field(..., description="Places.")
    confirmed_count: int
    rule: str = Field(..., alias="rule.code")
    rule_points: int = Field(..., alias="rule.points", description="Points per award.")
    award_mode: Literal["flat", "per_hour"]
    max_hours: int | None
    min_age: int | None
    allow_walk_ins: bool
    status: str
    summary: str
    photos: list[PhotoOut]

    @staticmethod
    def resolve_photos(obj: Event) -> list:
        return list(obj.photos.all())


class EventIn(Schema):
    title: str = Field(..., max_length=120)
    description: str = ""
    place: str = Field(..., max_length=200)
    starts_at: DateTime
    ends_at: DateTime
    signup_deadline: DateTime
    capacity: Count = Field(..., description="Places, 1–10000.")
    rule: str = Field("volunteer_service", description="Catalog rule code awarded on completion.")
    award_mode: Literal["flat", "per_hour"] = "flat"
    max_hours: Count | None = Field(None, description="Per-hour awards: most hours, 1–24.")
    min_age: Count | None = None
    allow_walk_ins: bool = False
    community_id: ObjectId | None = Field(None, description="Town admins: a community, or none.")


class SummaryIn(Schema):
    summary: str = Field("", max_length=5000)


class SignUpOut(Schema):
    id: int
    event_id: int
    resident_id: int
    nickname: str = Field(..., alias="resident.nickname")
    status: str
    queue_no: int = Field(..., description="Place in the queue (waitlist order).")
    waitlist_position: int | None = None
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    minutes: int = Field(..., description="Minutes attended, inside the event's hours.")
    outcome: str
    points_awarded: int
    replayed: bool = False

    @staticmethod
    def resolve_waitlist_position(obj: SignUp) -> int | None:
        return selectors.waitlist_position(obj)

    @staticmethod
    def resolve_replayed(obj) -> bool:
        return not getattr(obj, "created", True)


class SignUpIn(Schema):
    age_confirmed: bool = False


class CodeIn(Schema):
    code: str = Field(..., max_length=100)
    mode: Literal["in", "out"] = "in"


class CardIn(Schema):
    token: str = Field(..., max_length=200, description="The scanned personal card.")
    mode: Literal["in", "out"] = "in"


class CodeOut(Schema):
    code: str
    url: str = Field(..., description="What the QR code encodes: the resident's scan page.")
    valid_seconds: int


class CompleteOut(Schema):
    attended: int
    no_shows: int
    points: int
    not_awarded: list[str]


class CancelIn(Schema):
    reason: str = Field("", max_length=200)


class CancelOut(Schema):
    reversed_rows: int
    not_reversed: list[str]


class StatementRowOut(Schema):
    event_id: int
    title: str = Field(..., alias="event.title")
    starts_at: dt.datetime = Field(..., alias="event.starts_at")
    minutes: int
    points_awarded: int


class StatementOut(Schema):
    events: int
    minutes: int
    points: int
    rows: list[StatementRowOut]


def _event(request, event_id: ObjectId) -> Event:
    return selectors.event_for(request.user, event_id)


def _signup(request, event: Event) -> SignUp:
    row = selectors.signup_of(request.user, event)
    if row is None:
        raise NotFound(code="not_signed_up", field="event")
    return row


@router.get("/events", response=list[EventOut])
@paginate(BoundedLimitOffsetPagination)
def events(request, upcoming: bool = True):
    """Events I may see (my town's town-wide events and my community's), soonest first;
    ``upcoming=false`` lists finished ones, newest first."""
    qs = selectors.events_for(request.user)
    now = timezone.now()
    if upcoming:
        return qs.filter(ends_at__gte=now)
    return qs.filter(ends_at__lt=now).order_by("-starts_at", "-pk")


@router.get("/events/{int:event_id}", response={200: EventOut, 404: ErrorOut})
def event(request, event_id: ObjectId):
    """One event; 404 for drafts of others and events outside my town or community."""
    return _event(request, event_id)


@router.get("/events/{int:event_id}/event.ics", response={200: None, 404: ErrorOut})
def event_calendar(request, event_id: ObjectId):
    """The event as an iCalendar file (text/calendar)."""
    ev = _event(request, event_id)
    url = request.build_absolute_uri(reverse("events:detail", args=[ev.pk]))
    return HttpResponse(event_ics(ev, url=url), content_type="text/calendar; charset=utf-8")


@router.post(
    "/events/{int:event_id}/signup",
    response={
        201: SignUpOut,
        200: SignUpOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
)
def sign_up(request, event_id: ObjectId, payload: SignUpIn):
    """Sign me up: ``confirmed`` while places last, else ``waitlisted`` (with my
    position). 201 new, 200 already signed up. 409 ``signup_closed`` after the
    deadline, ``event_not_open``; 422 ``age_not_confirmed``."""
    row = services.event_sign_up(
        resident=request.user, event=_event(request, event_id), age_confirmed=payload.age_confirmed
    )
    return Status(201 if row.created else 200, row)


@router.delete(
    "/events/{int:event_id}/signup", response={200: SignUpOut, 404: ErrorOut, 409: ErrorOut}
)
def cancel_sign_up(request, event_id: ObjectId):
    """Cancel my sign-up; the first on the waitlist takes the place. 409
    ``too_late_to_cancel`` once the event has started."""
    row = services.event_sign_up_cancel(resident=request.user, event=_event(request, event_id))
    return row


@router.get("/events/{int:event_id}/signup", response={200: SignUpOut, 404: ErrorOut})
def my_sign_up(request, event_id: ObjectId):
    """My sign-up for the event (status, waitlist position, attendance)."""
    return _signup(request, _event(request, event_id))


@router.post(
    "/events/{int:event_id}/scan",
    response={200: SignUpOut, 201: SignUpOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def scan(request, event_id: ObjectId, payload: CodeIn):
    """I scanned the organizer's screen: check in (or out). 201 recorded, 200
    already recorded. 422 ``code_expired`` / ``invalid_code``; 409
    ``not_signed_up``, ``check_in_closed``, ``not_checked_in``."""
    ev = _event(request, event_id)
    action = (
        services.event_check_out_by_code
        if payload.mode == "out"
        else services.event_check_in_by_code
    )
    row = action(resident=request.user, event=ev, code=payload.code)
    return Status(201 if row.created else 200, row)


@router.get("/me/signups", response=list[SignUpOut])
@paginate(BoundedLimitOffsetPagination)
def my_signups(request):
    """All my sign-ups, newest event first."""
    return selectors.my_signups(request.user)


@router.get("/me/volunteer-statement", response=StatementOut)
def my_statement(request):
    """The events I attended (completed ones), minutes and points, with totals."""
    return selectors.volunteer_statement(request.user)


# --- organizer ----------------------------------------------------------------------


def _organized(request, event_id: ObjectId) -> Event:
    return selectors.event_for_organizer(request.user, event_id)


def _aware(payload: EventIn) -> None:
    for name in ("starts_at", "ends_at", "signup_deadline"):
        if timezone.is_naive(getattr(payload, name)):
            raise InvalidInput(
                _("Give the time with its UTC offset, e.g. 2030-01-01T09:00:00+08:00."),
                field=name,
                code="invalid_time",
            )


@router.post("/events", response={201: EventOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def create(request, payload: EventIn):
    """Create a draft event (staff: for my community; town admins: a community of my
    town or town-wide). 422 names the field at fault."""
    _aware(payload)
    community = None
    if payload.community_id is not None:
        community = Community.objects.filter(pk=payload.community_id).first()
        if community is None:
            raise InvalidInput(field="community_id", code="invalid_choice")
    ev = services.event_create(
        actor=request.user,
        title=payload.title,
        description=payload.description,
        place=payload.place,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        signup_deadline=payload.signup_deadline,
        capacity=payload.capacity,
        rule=rule_get(payload.rule, town_id=town_of(request.user)),
        award_mode=payload.award_mode,
        max_hours=payload.max_hours,
        min_age=payload.min_age,
        allow_walk_ins=payload.allow_walk_ins,
        community=community,
    )
    return Status(201, ev)


@router.put(
    "/events/{int:event_id}", response={200: EventOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
)
def update(request, event_id: ObjectId, payload: EventIn):
    """Change a draft or published event before it starts (``community_id`` is ignored).
    More places move the waitlist up; 422 ``capacity_below_confirmed``."""
    _aware(payload)
    return services.event_update(
        actor=request.user,
        event=_organized(request, event_id),
        title=payload.title,
        description=payload.description,
        place=payload.place,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        signup_deadline=payload.signup_deadline,
        capacity=payload.capacity,
        rule=rule_get(payload.rule, town_id=town_of(request.user)),
        award_mode=payload.award_mode,
        max_hours=payload.max_hours,
        min_age=payload.min_age,
        allow_walk_ins=payload.allow_walk_ins,
    )


@router.post(
    "/events/{int:event_id}/summary", response={200: EventOut, 404: ErrorOut, 422: ErrorOut}
)
def summary(request, event_id: ObjectId, payload: SummaryIn):
    """Write the event record's summary (what happened)."""
    return services.event_summary_set(
        actor=request.user, event=_organized(request, event_id), summary=payload.summary
    )


@router.post(
    "/events/{int:event_id}/photos",
    response={201: PhotoOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def add_photo(request, event_id: ObjectId, image: File[UploadedFile], caption: Form[str] = ""):
    """Add a photo to the event record (multipart: ``image``, optional ``caption``).
    Stored re-encoded as JPEG without location data; 422 ``photo_refused`` (not an image,
    over 10 MB, too many pixels), ``too_many_photos`` (30)."""
    photo = services.event_photo_add(
        actor=request.user, event=_organized(request, event_id), upload=image, caption=caption
    )
    return Status(201, photo)


@router.post(
    "/events/{int:event_id}/publish", response={200: EventOut, 404: ErrorOut, 409: ErrorOut}
)
def publish(request, event_id: ObjectId):
    """Open a draft for sign-up."""
    return services.event_publish(actor=request.user, event=_organized(request, event_id))


@router.post(
    "/events/{int:event_id}/complete", response={200: CompleteOut, 404: ErrorOut, 409: ErrorOut}
)
def complete(request, event_id: ObjectId):
    """Record attendance and no-shows and award attendees (once; again: nothing new)."""
    return services.event_complete(actor=request.user, event=_organized(request, event_id))


@router.post("/events/{int:event_id}/cancel", response={200: CancelOut, 404: ErrorOut})
def cancel(request, event_id: ObjectId, payload: CancelIn):
    """Cancel the event; a completed event's awards are reversed (``not_reversed``:
    residents who spent them, for staff to settle)."""
    return services.event_cancel(
        actor=request.user, event=_organized(request, event_id), reason=payload.reason
    )


@router.get("/events/{int:event_id}/signups", response={200: list[SignUpOut], 404: ErrorOut})
@paginate(BoundedLimitOffsetPagination)
def signups(request, event_id: ObjectId):
    """Every sign-up of my event in queue order (confirmed, waitlisted, walk-ins, cancelled)."""
    return SignUp.objects.filter(event=_organized(request, event_id)).select_related("resident")


@router.get("/events/{int:event_id}/checkin-code", response={200: CodeOut, 404: ErrorOut})
def code(request, event_id: ObjectId, mode: Literal["in", "out"] = "in"):
    """The current rotating code for my screen, the URL the QR encodes, and how many
    seconds are left in this minute (fetch again after that)."""
    ev = _organized(request, event_id)
    now = timezone.now()
    value = checkin_code(event_id=ev.pk, purpose=mode, at=now)
    url = request.build_absolute_uri(reverse("events:scan", args=[ev.pk]))
    return {
        "code": value,
        "url": f"{url}?mode={mode}&code={value}",
        "valid_seconds": WINDOW_SECONDS - int(now.timestamp()) % WINDOW_SECONDS,
    }


@router.post(
    "/events/{int:event_id}/card-scan",
    response={200: SignUpOut, 201: SignUpOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def card_scan(request, event_id: ObjectId, payload: CardIn):
    """I scanned a resident's personal card: check them in (or out). 422 ``invalid_card``."""
    ev = _organized(request, event_id)
    action = (
        services.event_check_out_by_card
        if payload.mode == "out"
        else services.event_check_in_by_card
    )
    row = action(actor=request.user, event=ev, token=payload.token)
    return Status(201 if row.created else 200, row)
