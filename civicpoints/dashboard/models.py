"""Dashboard data: exports of large towns built by the task queue (``dashboard.tasks``),
and pre-aggregated figures kept by the nightly ``dashboard.daily_figures`` job.

The staff dashboard reports on a town (or one community) over a range of
local days; summing a year of ledger rows on every view cost ~1 s on the demo
town (issue 17). These derived tables hold what the job has already counted:

* ``DailyFigure`` — per town, community and local day: points issued per rule
  category (adjustments as "other"), points spent net of refunds, good deeds.
* ``ResidentActivity`` — per resident: the last local day with a ledger row
  and with a row that counts as earned (participants, active residents).
* ``FiguresMark`` — per town: how far the job got. Ledger rows it has counted
  have ``local_date <= through_day`` and ``id <= last_id``; every other row is
  "live" and is read from the ledger itself, so the figures are exact whether
  or not the job has run.

A row's community and rule category are those at the time the job counted it.
Rows are written only by ``civicpoints.dashboard.services``.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpoints.core.tenancy import TownRow, TownScopedQuerySet


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ExportJob(TownRow):
    """One dashboard table export asked for by a staff member, built in the worker.

    The file is kept in the database (``content``) so that a worker on another
    machine can write it and any web process serve it; only its requester downloads it.
    """

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=60)
    fmt = models.CharField(max_length=4, choices=[("csv", "CSV"), ("xlsx", "XLSX")])
    start = models.DateField()
    end = models.DateField()
    community_id = models.IntegerField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=ExportStatus, default=ExportStatus.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=120, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    error = models.CharField(max_length=80, blank=True)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ExportStatus.READY) | Q(content__isnull=False),
                name="export_ready_has_content",
            ),
            models.CheckConstraint(condition=Q(start__lte=models.F("end")), name="export_range"),
        ]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="export_mine_idx")]

    def __str__(self) -> str:
        return f"{self.key}.{self.fmt} ({self.status})"


class DailyFigure(TownRow):
    """One community's (or, for residents without one, the town's) ledger totals of a local day."""

    town = models.ForeignKey(
        "accounts.Town", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    community = models.ForeignKey(
        "accounts.Community",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_index=False,
    )
    day = models.DateField(_("local day"))
    issued_family_neighbourhood = models.BigIntegerField(default=0)
    issued_governance_virtue = models.BigIntegerField(default=0)
    issued_community_construction = models.BigIntegerField(default=0)
    issued_other = models.BigIntegerField(default=0)  # adjustments (no rule)
    spent = models.BigIntegerField(default=0)  # spends net of their refunds, positive
    deeds = models.IntegerField(default=0)  # good-deed awards less their reversals

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                F("town"),
                F("day"),
                Coalesce(F("community"), Value(0)),
                name="dailyfigure_one_row_per_town_community_day",
            ),
        ]
        indexes = [models.Index(fields=["town", "day"], name="dailyfigure_town_day")]

    def __str__(self) -> str:
        return f"{self.town_id}/{self.community_id or '-'} {self.day}"


class ResidentActivity(TownRow):
    """The last local days a resident had a ledger row (any, and one that counts as earned)."""

    resident = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    town = models.ForeignKey(
        "accounts.Town", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    community = models.ForeignKey(
        "accounts.Community",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_index=False,
    )
    last_active_on = models.DateField()
    last_earned_on = models.DateField(null=True)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["town", "last_earned_on"], name="activity_town_earned"),
            models.Index(fields=["town", "last_active_on"], name="activity_town_active"),
            models.Index(fields=["community", "last_earned_on"], name="activity_comm_earned"),
            models.Index(fields=["community", "last_active_on"], name="activity_comm_active"),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id}: {self.last_active_on}"


class FiguresMark(TownRow):
    """How far ``dashboard.daily_figures`` has counted a town's ledger."""

    town = models.OneToOneField(
        "accounts.Town", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    through_day = models.DateField()
    last_id = models.BigIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = TownScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.town_id} through {self.through_day}"
