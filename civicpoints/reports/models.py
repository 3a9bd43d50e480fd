"""Reports of uncivil behaviour (随手拍) and their case workflow.

submitted → accepted → assigned → rectified → closed, or rejected (from
submitted or accepted). Every move is a ``CaseEvent`` (who, when, from, to,
note). The reporter is never shown in public.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicpoints.core.tenancy import TownChild, TownRow, TownScopedQuerySet

PLACE_MAX = 120  # characters
BODY_MAX = 2000  # characters
NOTE_MAX = 300  # characters
MAX_PHOTOS = 9
OVERDUE_AFTER = timedelta(days=3)  # an open case older than this is highlighted as overdue


class ReportCategoryQuerySet(TownScopedQuerySet):
    pass


class ReportCategory(TownRow):
    """What kind of behaviour (litter, small ads, parking …); each town has its own
    (the defaults are copied into a new town)."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(_("code"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=60)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    objects = ReportCategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")
        ordering = ["sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "code"], name="reportcategory_town_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    ASSIGNED = "assigned", _("Assigned")
    RECTIFIED = "rectified", _("Rectified")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = (
    CaseStatus.SUBMITTED,
    CaseStatus.ACCEPTED,
    CaseStatus.ASSIGNED,
    CaseStatus.RECTIFIED,
)


class ReportQuerySet(TownScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Report(TownRow):
    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        "accounts.Community", on_delete=models.PROTECT, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reports"
    )
    category = models.ForeignKey(ReportCategory, on_delete=models.PROTECT, related_name="+")
    place = models.CharField(_("place"), max_length=PLACE_MAX)
    body = models.TextField(_("what happened"), max_length=BODY_MAX)
    status = models.CharField(
        _("status"), max_length=12, choices=CaseStatus, default=CaseStatus.SUBMITTED
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_reports",
        verbose_name=_("grid worker"),
    )
    responsible_party = models.CharField(_("responsible party"), max_length=80, blank=True)
    reject_reason = models.CharField(_("reason"), max_length=NOTE_MAX, blank=True)
    award = models.ForeignKey(
        "points.PointTransaction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_post = models.OneToOneField(
        "posts.Post",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="source_report",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="report_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["assigned", "rectified", "closed"])
                | Q(assignee__isnull=False)
                | ~Q(responsible_party=""),
                name="report_assigned_has_assignee",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status", "created_at"], name="report_queue"),
            models.Index(fields=["reporter", "-created_at"], name="report_by_reporter"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.place}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def age(self) -> timedelta:
        return timezone.now() - self.created_at

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.age > OVERDUE_AFTER


class PhotoKind(models.TextChoices):
    EVIDENCE = "evidence", _("Evidence")
    AFTER = "after", _("After rectification")


class ReportPhoto(TownChild):
    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    town_parent = "report"
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=10, choices=PhotoKind, default=PhotoKind.EVIDENCE)
    image = models.ImageField(upload_to="reports/%Y/%m/", db_index=True)
    thumbnail = models.ImageField(upload_to="reports/%Y/%m/", db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    # What the public and the reporter see: faces and plates blurred (core.imaging);
    # the original is for the staff who handle the case.
    public_image = models.ImageField(upload_to="reports/%Y/%m/", blank=True)
    public_thumbnail = models.ImageField(upload_to="reports/%Y/%m/", blank=True)
    blurred = models.JSONField(
        default=list, blank=True, help_text="Regions blurred in public: [{kind, x, y, w, h}]"
    )

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind}"

    @property
    def public_url(self) -> str:
        """The blurred photo (the original until ``manage.py photos_blur`` has made one)."""
        return (self.public_image or self.image).url

    @property
    def public_thumbnail_url(self) -> str:
        return (self.public_thumbnail or self.thumbnail).url


class CaseEvent(TownChild):
    """One move of a case: who moved it, when, from which state to which, and why."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    town_parent = "report"
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=12, choices=CaseStatus, blank=True)
    to_status = models.CharField(max_length=12, choices=CaseStatus)
    note = models.CharField(max_length=NOTE_MAX, blank=True)
    at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.from_status}→{self.to_status}"
