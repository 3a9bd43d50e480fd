"""The in-app inbox: one row per message to one person."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpoints.core.tenancy import TownRow, TownScopedQuerySet


class NotificationKind(models.TextChoices):
    POST_APPROVED = "post_approved", _("Post approved")
    POST_REJECTED = "post_rejected", _("Post rejected")
    REPORT_UPDATED = "report_updated", _("Report moved along")
    EVENT_REMINDER = "event_reminder", _("Event reminder")
    POINTS_AWARDED = "points_awarded", _("Points awarded")
    POINTS_REVERSED = "points_reversed", _("Points reversed")
    VOUCHER_REDEEMED = "voucher_redeemed", _("Voucher redeemed")
    VOUCHER_EXPIRING = "voucher_expiring", _("Voucher expiring")
    POINTS_EXPIRING = "points_expiring", _("Points expiring")
    POINTS_EXPIRED = "points_expired", _("Points expired")
    BROADCAST = "broadcast", _("Announcement from staff")
    GENERAL = "general", _("Notice")


class Medium(models.TextChoices):
    """The outbound channels a person may choose per kind (the inbox always gets it)."""

    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")


class NotificationQuerySet(TownScopedQuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(TownRow):
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


class DeliveryFailure(TownRow):
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

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery failure")
        verbose_name_plural = _("delivery failures")
        ordering = ["-failed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "notification", "channel"], name="delivery_failure_one_per_channel"
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


class NotificationPreference(TownRow):
    """One person's choice for one kind: send it by SMS, by WeChat (the inbox always
    gets it). No row: the default (``notifications.preferences``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind)
    sms = models.BooleanField(_("SMS"))
    wechat = models.BooleanField(_("WeChat"))
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["town", "user", "kind"], name="notification_pref_one_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: sms={self.sms} wechat={self.wechat}"


class SentReminder(TownRow):
    """A reminder sent once (``key`` says what, to whom, for which date): the unique
    key makes a job that runs twice, late or in two processes remind once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=120)
    sent_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["town", "key"], name="sentreminder_town_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key


class Broadcast(TownRow):
    """A staff announcement to every resident of a community or of one grid, through
    the inbox and the channels; the row is its audit record (who, when, to whom,
    what, how many)."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("accounts.Community", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(
        "accounts.Grid", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=60)
    body = models.TextField(_("text"))
    recipients = models.PositiveIntegerField(_("residents reached"))
    idempotency_key = models.CharField(max_length=80)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    # set by ``broadcast_send``: False when a repeat of the key returned the first one
    created: bool

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "idempotency_key"], name="broadcast_town_key_unique"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="broadcast_has_title"),
            models.CheckConstraint(condition=~Q(body=""), name="broadcast_has_body"),
        ]
        indexes = [models.Index(fields=["town", "-created_at"], name="broadcast_town_idx")]

    def __str__(self) -> str:
        return self.title
