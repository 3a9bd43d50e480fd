"""Exports of large towns, built by the task queue (``dashboard.tasks``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ExportJob(models.Model):
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
