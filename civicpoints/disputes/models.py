"""The dispute and mediation log (矛盾纠纷调解台账), kept by community staff.

The parties' names and the notes are internal: they appear only on the staff
pages of the community (or town) that recorded the dispute, never on a public
page, in the API for residents, or in the dashboard figures (counts only).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpoints.core.tenancy import TownRow, TownScopedQuerySet


class DisputeCategory(models.TextChoices):
    FAMILY = "family", _("Family")
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")
    PROPERTY = "property", _("Property and land")
    OTHER = "other", _("Other")


class MediationOutcome(models.TextChoices):
    PENDING = "pending", _("Mediation under way")
    RESOLVED = "resolved", _("Resolved by mediation")
    REFERRED = "referred", _("Referred elsewhere")
    UNRESOLVED = "unresolved", _("Not resolved")


class Dispute(TownRow):
    """One family or neighbourhood dispute and the outcome of its mediation."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        "accounts.Community", on_delete=models.PROTECT, related_name="disputes"
    )
    category = models.CharField(_("category"), max_length=16, choices=DisputeCategory)
    parties = models.TextField(_("parties"), help_text=_("Never shown in public."))
    occurred_on = models.DateField(_("date of the dispute"))
    summary = models.TextField(_("what happened"), blank=True)
    outcome = models.CharField(
        _("mediation outcome"),
        max_length=12,
        choices=MediationOutcome,
        default=MediationOutcome.PENDING,
    )
    outcome_notes = models.TextField(_("mediation notes"), blank=True)
    resolved_on = models.DateField(_("date closed"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="pending") | Q(resolved_on__isnull=False),
                name="dispute_closed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=models.F("occurred_on")),
                name="dispute_closed_after_occurred",
            ),
        ]
        indexes = [
            models.Index(fields=["town", "occurred_on"], name="dispute_town_day"),
            models.Index(fields=["community", "occurred_on"], name="dispute_community_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.occurred_on}"
