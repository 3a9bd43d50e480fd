"""Events (活动) organized by staff, residents' sign-ups (报名) and their attendance (参与记录).

Capacity is guarded twice: services lock the event row before counting, and
``Event.confirmed_count`` (kept in the same transaction as every sign-up change)
carries ``CHECK (confirmed_count <= capacity)``, so even a service that forgot
the lock could not overfill an event. The waitlist is ordered by ``queue_no``,
handed out under the same lock (unique per event).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpoints.core.tenancy import TownRow, TownScopedQuerySet


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class AwardMode(models.TextChoices):
    FLAT = "flat", _("Once per attendee")
    PER_HOUR = "per_hour", _("Per hour attended")


class EventQuerySet(TownScopedQuerySet):
    def visible(self):
        """Events residents may see: published or finished (never drafts)."""
        return self.exclude(status=EventStatus.DRAFT)


class Event(TownRow):
    """One event. ``community`` empty: a town-wide event (organized by a town admin).

    Times are aware datetimes (stored UTC, shown in the town's zone). With
    ``award_mode`` per hour, ``rule`` is awarded once per whole hour attended, at
    most ``max_hours`` times.
    """

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        "accounts.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        help_text=_("Empty: open to the whole town."),
    )
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organized_events"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    signup_deadline = models.DateTimeField(_("sign-up deadline"))
    capacity = models.PositiveIntegerField(_("places"))
    confirmed_count = models.PositiveIntegerField(default=0, editable=False)
    next_queue_no = models.PositiveIntegerField(default=1, editable=False)
    rule = models.ForeignKey(
        "points.PointRule",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("rule awarded"),
    )
    award_mode = models.CharField(
        _("award"), max_length=10, choices=AwardMode, default=AwardMode.FLAT
    )
    max_hours = models.PositiveSmallIntegerField(
        _("most hours awarded"),
        null=True,
        blank=True,
        help_text=_("Only for awards per hour; empty: no cap."),
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"),
        null=True,
        blank=True,
        help_text=_("Residents confirm at sign-up that they are at least this old."),
    )
    allow_walk_ins = models.BooleanField(
        _("walk-ins allowed"),
        default=False,
        help_text=_("Residents without a sign-up may check in at the venue."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EventStatus, default=EventStatus.DRAFT
    )
    summary = models.TextField(
        _("summary"), blank=True, help_text=_("What happened: shown on the event record.")
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The staff member who confirmed attendance and the awards."),
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    search_doc = models.TextField(
        default="",
        blank=True,
        editable=False,
        help_text="core.search.document of title, place and description (set by the services)",
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="event_capacity_positive"),
            models.CheckConstraint(
                condition=Q(confirmed_count__lte=F("capacity")),
                name="event_confirmed_within_capacity",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(signup_deadline__lte=F("starts_at")),
                name="event_deadline_before_start",
            ),
            models.CheckConstraint(
                condition=Q(max_hours__isnull=True) | Q(max_hours__gt=0),
                name="event_max_hours_positive",
            ),
        ]
        indexes = [models.Index(fields=["town", "status", "starts_at"], name="event_town_status")]

    def __str__(self) -> str:
        return self.title


class SignUpStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waitlisted")
    WALK_IN = "walk_in", _("Walk-in")
    CANCELLED = "cancelled", _("Cancelled")


class Outcome(models.TextChoices):
    """Recorded when the event is completed."""

    PENDING = "pending", _("Pending")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("No-show")


class SignUp(TownRow):
    """One resident's place on one event: sign-up, waitlist, attendance and hours.

    One row per (event, resident); cancelling and signing up again reuses it with
    a new ``queue_no`` (the back of the queue). Walk-ins get a row at check-in and
    do not take a place. ``minutes`` is the attended time, fixed at completion.
    """

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="signups")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="event_signups"
    )
    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=SignUpStatus)
    queue_no = models.PositiveIntegerField(_("queue number"))
    signed_up_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome, default=Outcome.PENDING
    )
    minutes = models.PositiveIntegerField(_("minutes attended"), default=0)
    hours_awarded = models.PositiveSmallIntegerField(default=0)
    points_awarded = models.PositiveIntegerField(_("points awarded"), default=0)
    award_note = models.CharField(max_length=200, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    # Set by the services on the sign-up they return: True when this call changed
    # it, False when a repeat of the same request returned it unchanged.
    created: bool

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["queue_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "event", "resident"], name="signup_once_per_event"
            ),
            models.UniqueConstraint(
                fields=["town", "event", "queue_no"], name="signup_queue_no_unique"
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_in_at__isnull=False),
                name="signup_checkout_after_checkin",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status", "queue_no"], name="signup_event_queue"),
            models.Index(fields=["resident", "-signed_up_at"], name="signup_resident_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.resident_id}: {self.status}"


def _photo_path(photo: "EventPhoto", filename: str) -> str:
    # the name is ours, never the uploader's (no path tricks, no personal data in URLs)
    return f"events/{photo.event_id}/{uuid.uuid4().hex}.jpg"


def _derived_path(photo: "EventPhoto", filename: str) -> str:
    # thumbnails and public copies keep the random names core.photos / core.imaging
    # gave them (``<32 hex>_t.jpg``, ``_p.jpg``, ``_pt.jpg``; core.media refuses others)
    return f"events/{photo.event_id}/{filename.rsplit('/', 1)[-1]}"


class EventPhoto(TownRow):
    """A photo for the event record, uploaded by an organizer (re-encoded as JPEG).

    Those who see the event see the public copy (faces and plates blurred,
    ``core.imaging``); the original and its thumbnail go only to the staff who may
    manage the event. Rows stored before blurring existed have no public copy until
    ``manage.py photos_blur`` makes one.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="photos")
    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    image = models.ImageField(_("photo"), upload_to=_photo_path, db_index=True)
    thumbnail = models.ImageField(upload_to=_derived_path, blank=True, db_index=True)
    public_image = models.ImageField(upload_to=_derived_path, blank=True, db_index=True)
    public_thumbnail = models.ImageField(upload_to=_derived_path, blank=True, db_index=True)
    blurred = models.JSONField(
        default=list, blank=True, help_text="Regions blurred in public: [{kind, x, y, w, h}]"
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("event photo")
        verbose_name_plural = _("event photos")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.caption or self.image.name or ""

    @property
    def public_url(self) -> str:
        """The blurred photo (the original until ``manage.py photos_blur`` has made one)."""
        return (self.public_image or self.image).url

    @property
    def public_thumbnail_url(self) -> str:
        return (self.public_thumbnail or self.public_image or self.image).url

    @property
    def thumbnail_url(self) -> str:
        """The original's thumbnail (staff), the original itself for older rows."""
        return (self.thumbnail or self.image).url
