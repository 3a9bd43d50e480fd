"""Event pages: list, detail with sign-up, scan landing, statement; the organizer's desk."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpoints.accounts.models import Role
from civicpoints.accounts.scope import require_staff, resident_for_staff
from civicpoints.core.errors import DomainError
from civicpoints.core.forms import add_domain_error
from civicpoints.core.qr import qr_svg
from civicpoints.events import selectors, services
from civicpoints.events.codes import WINDOW_SECONDS, Purpose, checkin_code
from civicpoints.events.forms import (
    CancelForm,
    CardScanForm,
    EventForm,
    PhotoForm,
    SignUpForm,
    SummaryForm,
)
from civicpoints.events.ics import event_ics
from civicpoints.events.models import EventStatus
from civicpoints.events.services import can_organize
from civicpoints.integrity import selectors as integrity_selectors
from civicpoints.sharing.models import ShareTarget
from civicpoints.sharing.pages import share_context, share_visit_from


@login_required
def list_view(request):
    """Events I may see: upcoming (default) or past (``?when=past``), 20 a page."""
    when = (
        request.GET.get("when") if request.GET.get("when") in ("upcoming", "past") else "upcoming"
    )
    qs = selectors.events_for(request.user)
    now = timezone.now()
    qs = qs.filter(ends_at__gte=now) if when == "upcoming" else qs.filter(ends_at__lt=now)
    if when == "past":
        qs = qs.order_by("-starts_at", "-pk")
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "events/list.html",
        {"page": page, "when": when, "can_create": request.user.is_community_staff},
    )


def _detail(request, event, form=None, status=200):
    signup = selectors.signup_of(request.user, event)
    organizer = can_organize(request.user, event)
    first = event.photos.first()
    sharing = share_context(
        request,
        target=ShareTarget.EVENT,
        object_id=event.pk,
        town_id=event.town_id,
        path=reverse("events:detail", args=[event.pk]),
        title=event.title,
        description=event.description or event.place,
        image_url=first.image.url if first else "",
    )
    return render(
        request,
        "events/detail.html",
        {
            **sharing,
            "event": event,
            "signup": signup,
            "position": selectors.waitlist_position(signup) if signup else None,
            "form": form or SignUpForm(),
            "is_resident": request.user.role == Role.RESIDENT,
            "organizer": organizer,
            "record": selectors.event_record(event),
            "open": event.status == EventStatus.PUBLISHED
            and timezone.now() <= event.signup_deadline,
        },
        status=status,
    )


@login_required
def detail_view(request, event_id):
    """One event: facts, my sign-up or the sign-up button, the record (404 if not mine to see).

    Opened through a share link (``?s=``), a new reader earns the sharer
    ``share_new_reader`` (``sharing.services``); organizers and people already
    signed up had seen it before."""
    event = selectors.event_for(request.user, event_id)
    share_visit_from(
        request,
        target=ShareTarget.EVENT,
        object_id=event.pk,
        seen_before=can_organize(request.user, event)
        or selectors.signup_of(request.user, event) is not None,
        title=event.title,
    )
    return _detail(request, event)


@login_required
@require_POST
def sign_up_view(request, event_id):
    """POST: sign me up (a place or the waitlist); errors re-render the page with 422."""
    event = selectors.event_for(request.user, event_id)
    form = SignUpForm(request.POST)
    if form.is_valid():
        try:
            row = services.event_sign_up(
                resident=request.user,
                event=event,
                age_confirmed=form.cleaned_data["age_confirmed"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if row.status == "confirmed":
                messages.success(request, _("You are signed up."))
            else:
                messages.success(request, _("The event is full: you are on the waitlist."))
            return redirect("events:detail", event_id=event.pk)
    return _detail(request, event, form=form, status=422)


@login_required
@require_POST
def cancel_sign_up_view(request, event_id):
    """POST: cancel my sign-up (the first waitlisted moves up); 409 page once started."""
    event = selectors.event_for(request.user, event_id)
    services.event_sign_up_cancel(resident=request.user, event=event)
    messages.success(request, _("Your sign-up is cancelled."))
    return redirect("events:detail", event_id=event.pk)


@login_required
def ics_view(request, event_id):
    """The event as a downloadable .ics file."""
    event = selectors.event_for(request.user, event_id)
    url = request.build_absolute_uri(reverse("events:detail", args=[event.pk]))
    response = HttpResponse(event_ics(event, url=url), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response


@login_required
def scan_view(request, event_id):
    """Where a resident lands after scanning the organizer's screen: confirm, then check in/out."""
    event = selectors.event_for(request.user, event_id)
    data = request.POST if request.method == "POST" else request.GET
    mode = "out" if data.get("mode") == "out" else "in"
    code = data.get("code", "")
    error = None
    if request.method == "POST":
        action = (
            services.event_check_out_by_code if mode == "out" else services.event_check_in_by_code
        )
        try:
            row = action(resident=request.user, event=event, code=code)
        except DomainError as exc:
            error = exc
        else:
            if mode == "out":
                messages.success(
                    request, _("Checked out: %(minutes)d minutes.") % {"minutes": row.minutes}
                )
            else:
                messages.success(request, _("You are checked in. Welcome!"))
            return redirect("events:detail", event_id=event.pk)
    return render(
        request,
        "events/scan.html",
        {"event": event, "mode": mode, "code": code, "error": error},
        status=422 if error else 200,
    )


@login_required
def statement_view(request):
    """My printable statement of volunteer hours and events."""
    return render(
        request,
        "events/statement.html",
        {"statement": selectors.volunteer_statement(request.user), "now": timezone.now()},
    )


@login_required
def staff_statement_view(request, resident_id):
    """The printable statement of a resident in my scope (for residents without a phone)."""
    resident = resident_for_staff(request.user, resident_id)
    return render(
        request,
        "events/statement.html",
        {"statement": selectors.volunteer_statement(resident), "now": timezone.now()},
    )


# --- organizer desk --------------------------------------------------------------


@login_required
def create_view(request):
    """Staff: a new draft event (403 for non-staff); 422 with field errors."""
    require_staff(request.user)
    form = EventForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            event = services.event_create(
                actor=request.user,
                title=d["title"],
                description=d["description"],
                place=d["place"],
                starts_at=d["starts_at"],
                ends_at=d["ends_at"],
                signup_deadline=d["signup_deadline"],
                capacity=d["capacity"],
                rule=d["rule"],
                award_mode=d["award_mode"],
                max_hours=d["max_hours"],
                min_age=d["min_age"],
                allow_walk_ins=d["allow_walk_ins"],
                community=d.get("community"),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Draft saved. Publish it to open sign-up."))
            return redirect("events:manage", event_id=event.pk)
    return render(request, "events/form.html", {"form": form}, status=422 if form.errors else 200)


_EDITABLE = (
    "title",
    "description",
    "place",
    "starts_at",
    "ends_at",
    "signup_deadline",
    "capacity",
    "rule",
    "award_mode",
    "max_hours",
    "min_age",
    "allow_walk_ins",
)


@login_required
def edit_view(request, event_id):
    """Organizer: change a draft or published event before it starts."""
    event = selectors.event_for_organizer(request.user, event_id)
    initial = {name: getattr(event, name) for name in _EDITABLE}
    initial["rule"] = event.rule.code
    initial["starts_at"] = timezone.localtime(event.starts_at)
    initial["ends_at"] = timezone.localtime(event.ends_at)
    initial["signup_deadline"] = timezone.localtime(event.signup_deadline)
    form = EventForm(request.POST or None, actor=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(
                actor=request.user,
                event=event,
                **{name: form.cleaned_data[name] for name in _EDITABLE},
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Event saved."))
            return redirect("events:manage", event_id=event.pk)
    return render(
        request,
        "events/form.html",
        {"form": form, "event": event},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def photo_view(request, event_id):
    """Organizer: POST a photo (multipart) to the event record."""
    event = selectors.event_for_organizer(request.user, event_id)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.event_photo_add(
                actor=request.user,
                event=event,
                upload=form.cleaned_data["image"],
                caption=form.cleaned_data["caption"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Photo added."))
            return redirect("events:manage", event_id=event.pk)
    return _manage(request, event, photo_form=form, status=422)


def _manage(request, event, card_form=None, summary_form=None, photo_form=None, status=200):
    return render(
        request,
        "events/manage.html",
        {
            "event": event,
            "record": selectors.event_record(event),
            "card_form": card_form or CardScanForm(),
            "summary_form": summary_form or SummaryForm(initial={"summary": event.summary}),
            "cancel_form": CancelForm(),
            "photo_form": photo_form or PhotoForm(),
            # a record photo repeating an earlier one: the flag, the earlier photo beside it
            "flags": integrity_selectors.flags_about(event),
        },
        status=status,
    )


@login_required
def manage_view(request, event_id):
    """Organizer's desk: publish, screens, card scan, record, photos, summary, cancel."""
    return _manage(request, selectors.event_for_organizer(request.user, event_id))


@login_required
@require_POST
def publish_view(request, event_id):
    """Organizer: POST to open the draft for sign-up."""
    event = selectors.event_for_organizer(request.user, event_id)
    services.event_publish(actor=request.user, event=event)
    messages.success(request, _("Published: residents can sign up now."))
    return redirect("events:manage", event_id=event.pk)


@login_required
@require_POST
def complete_view(request, event_id):
    """Organizer: POST to record attendance and award (once)."""
    event = selectors.event_for_organizer(request.user, event_id)
    result = services.event_complete(actor=request.user, event=event)
    messages.success(
        request,
        _("Completed: %(attended)d attended, %(no_shows)d no-shows, %(points)d points awarded.")
        % {"attended": result.attended, "no_shows": result.no_shows, "points": result.points},
    )
    if result.not_awarded:
        messages.warning(
            request,
            _("Not awarded (the rule's limit): %(names)s")
            % {"names": ", ".join(result.not_awarded)},
        )
    return redirect("events:manage", event_id=event.pk)


@login_required
@require_POST
def cancel_view(request, event_id):
    """Organizer: POST to cancel (a completed event's awards are reversed)."""
    event = selectors.event_for_organizer(request.user, event_id)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    result = services.event_cancel(actor=request.user, event=event, reason=reason)
    messages.success(request, _("The event is cancelled."))
    if result.not_reversed:
        messages.warning(
            request,
            _("Points already spent, settle by adjustment: %(names)s")
            % {"names": ", ".join(result.not_reversed)},
        )
    return redirect("events:manage", event_id=event.pk)


@login_required
@require_POST
def summary_view(request, event_id):
    """Organizer: POST the record's summary."""
    event = selectors.event_for_organizer(request.user, event_id)
    form = SummaryForm(request.POST)
    if form.is_valid():
        try:
            services.event_summary_set(
                actor=request.user, event=event, summary=form.cleaned_data["summary"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Summary saved."))
            return redirect("events:manage", event_id=event.pk)
    return _manage(request, event, summary_form=form, status=422)


@login_required
@require_POST
def card_scan_view(request, event_id):
    """Organizer: POST a scanned card token to check a resident in or out."""
    event = selectors.event_for_organizer(request.user, event_id)
    form = CardScanForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        action = (
            services.event_check_out_by_card
            if d["mode"] == "out"
            else services.event_check_in_by_card
        )
        try:
            row = action(actor=request.user, event=event, token=d["token"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                (_("%(nick)s checked out.") if d["mode"] == "out" else _("%(nick)s checked in."))
                % {"nick": row.resident.nickname},
            )
            return redirect("events:manage", event_id=event.pk)
    return _manage(request, event, card_form=form, status=422)


@login_required
def screen_view(request, event_id):
    """The organizer's screen: a QR code that changes every minute (the page reloads itself)."""
    event = selectors.event_for_organizer(request.user, event_id)
    mode: Purpose = "out" if request.GET.get("mode") == "out" else "in"
    now = timezone.now()
    code = checkin_code(event_id=event.pk, purpose=mode, at=now)
    target = request.build_absolute_uri(
        reverse("events:scan", args=[event.pk]) + f"?mode={mode}&code={code}"
    )
    refresh = WINDOW_SECONDS - int(now.timestamp()) % WINDOW_SECONDS + 1
    return render(
        request,
        "events/screen.html",
        {"event": event, "mode": mode, "qr": qr_svg(target), "refresh": refresh},
    )
