"""The in-app inbox: one row per message to one person."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    POST_APPROVED = "post_approved", _("Post approved")
    POST_REJECTED = "post_rejected", _("Post rejected")
    REPORT_UPDATED = "report_updated", _("Report moved along")
    EVENT_REMINDER = "event_reminder", _("Event reminder")
    POINTS_AWARDED = "points_awarded", _("Points awarded")
    POINTS_REVERSED = "points_reversed", _("Points reversed")
    VOUCHER_REDEEMED = "voucher_redeemed", _("Voucher redeemed")
    VOUCHER_EXPIRING = "voucher_expiring", _("Voucher expiring")
    GENERAL = "general", _("Notice")


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                name="notification_inbox",
            ),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DeliveryFailure(models.Model):
    """A notification that a channel (SMS, WeChat) gave up on, for town admins to see
    (``/messages/failures/``). One row per notification and channel; holds the
    provider's error code, never the text or the number."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="delivery_failures"
    )
    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=120)
    error = models.CharField(_("error"), max_length=80)
    attempts = models.PositiveSmallIntegerField(_("attempts"))
    failed_at = models.DateTimeField(_("failed at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery failure")
        verbose_name_plural = _("delivery failures")
        ordering = ["-failed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_failure_one_per_channel"
            ),
            models.CheckConstraint(
                condition=models.Q(attempts__gte=1), name="delivery_failure_attempts_positive"
            ),
        ]
        indexes = [models.Index(fields=["town", "-failed_at"], name="delivery_failure_town_idx")]

    def __str__(self) -> str:
        return f"{self.channel_name} · {self.error}"

    @property
    def channel_name(self) -> str:
        """The channel's class name (``SMSChannel``), for display."""
        return self.channel.rsplit(".", 1)[-1]
