"""Integrity flags (farming signs), the awards they hold, and the evidence they rest on.

A flag never deletes or changes what it points at: it records a reason and
evidence, and waits for a staff decision (cleared as a false flag, or upheld),
which is recorded beside it with who, when and why. Awards that the flagged
thing would earn are held (``HeldAward``) until that decision.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpoints.core.tenancy import TownRow, TownScopedQuerySet

REASON_MAX = 300


class FlagKind(models.TextChoices):
    PHOTO_REPEAT = "photo_repeat", _("Photo repeats an earlier one")
    LATE_CHECK_IN = "late_check_in", _("Check-in after most attendees had left")
    REGISTRATION_BURST = "registration_burst", _("Many registrations from one address or device")
    LIKE_RING = "like_ring", _("Like and share ring")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a decision")
    CLEARED = "cleared", _("Cleared (false flag)")
    UPHELD = "upheld", _("Upheld")


class FlagQuerySet(TownScopedQuerySet):
    def open(self):
        return self.filter(status=FlagStatus.OPEN)

    def about(self, obj: models.Model):
        return self.filter(
            town_id=obj.town_id,  # type: ignore[attr-defined]  # every subject has a town
            subject_type=ContentType.objects.get_for_model(obj),
            subject_id=str(obj.pk),
        )


class Flag(TownRow):
    """One sign of farming about one thing (a post, a report, a sign-up, an account)."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        "accounts.Community", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=FlagKind)
    status = models.CharField(
        _("status"), max_length=8, choices=FlagStatus, default=FlagStatus.OPEN
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64)
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_url = models.CharField(max_length=200, blank=True)
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The resident the flag concerns (author, reporter, attendee, account).",
    )
    reason = models.CharField(_("reason"), max_length=REASON_MAX)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("why"), max_length=REASON_MAX, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="integrity_flag_subject"),
            models.Index(fields=["town", "status", "community"], name="integrity_flag_queue"),
        ]
        constraints = [
            # One open flag per thing and reason: new evidence joins it (``flag_raise``).
            models.UniqueConstraint(
                fields=["town", "kind", "subject_type", "subject_id"],
                condition=Q(status="open"),
                name="integrity_flag_open_once",
            ),
            models.CheckConstraint(
                condition=Q(status=FlagStatus.OPEN, decided_at__isnull=True)
                | (
                    ~Q(status=FlagStatus.OPEN)
                    & Q(decided_at__isnull=False, decided_by__isnull=False)
                    & ~Q(decision_note="")
                ),
                name="integrity_flag_decision_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_type_id}:{self.subject_id} ({self.status})"


class HeldStatus(models.TextChoices):
    HELD = "held", _("Held")
    ISSUED = "issued", _("Issued")
    WITHHELD = "withheld", _("Withheld")


class HeldAward(TownRow):
    """An award the ledger would have written, waiting for the flags on its subject.

    ``also``: a second thing whose open flags hold the award too (an attendance
    award's sign-up is the subject; its event, whose record photos may repeat
    earlier ones, is ``also``). The award is written once neither has an open flag.
    """

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64)
    also_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    also_id = models.CharField(max_length=64, blank=True)
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey("points.PointRule", on_delete=models.PROTECT, related_name="+")
    cause_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cause_id = models.CharField(max_length=64, blank=True)
    idempotency_key = models.CharField(max_length=160)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    memo = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=8, choices=HeldStatus, default=HeldStatus.HELD)
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)
    transaction = models.ForeignKey(
        "points.PointTransaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="integrity_held_subject"),
            models.Index(fields=["also_type", "also_id"], name="integrity_held_also"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "idempotency_key"], name="heldaward_town_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(also_type__isnull=True, also_id="")
                | (Q(also_type__isnull=False) & ~Q(also_id="")),
                name="integrity_held_also_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} ({self.status})"


class PhotoFingerprint(TownRow):
    """Perceptual hashes of one uploaded photo (``core.imaging.photo_fingerprint``)."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        "accounts.Community", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64)
    subject_url = models.CharField(max_length=200, blank=True)
    thumbnail = models.CharField(max_length=200, blank=True, help_text="storage name")
    hashes = models.CharField(
        max_length=220, help_text="core.imaging.Fingerprint.serialize(): whole, then crops"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["town", "created_at"], name="integrity_fp_town")]

    def __str__(self) -> str:
        return self.hashes.split(" ", 1)[0]


class RegistrationOrigin(TownRow):
    """Where a self-registration came from, as keyed hashes (no address or device id kept)."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    address_hash = models.CharField(max_length=32, blank=True)
    device_hash = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["town", "address_hash", "created_at"], name="integrity_reg_addr"),
            models.Index(fields=["town", "device_hash", "created_at"], name="integrity_reg_dev"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}"
