"""Tasks of the inbox: one delivery per notification and channel (``core.tasks``)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string
from django_tasks import task

from civicpoints.core.tasks import enqueue_retry
from civicpoints.notifications.models import Notification

log = logging.getLogger("civicpoints.notifications")


class DeliveryFailed(Exception):
    """A channel gave up on a notification (recorded as a ``DeliveryFailure``)."""


def _error_code(exc: BaseException) -> str:
    """A short, secret-free name for ``exc``: the provider's code when there is one."""
    for attr in ("provider_code", "errcode", "code"):
        value = getattr(exc, attr, None)
        if value not in (None, ""):
            return f"{type(exc).__name__}:{value}"[:80]
    return type(exc).__name__[:80]


def is_transient(exc: BaseException) -> bool:
    """Worth another try later: the gateway was down, slow or limiting us."""
    from civicpoints.accounts.sms import SMSRateLimited, SMSUnavailable
    from civicpoints.notifications.channels import WeChatError

    if isinstance(exc, SMSRateLimited | SMSUnavailable | OSError | TimeoutError):
        return True
    # -1 system busy, 45009 / 45011 API frequency limits
    return isinstance(exc, WeChatError) and exc.errcode in (-1, 45009, 45011)


def _medium(channel: str) -> str | None:
    """The medium (``sms``, ``wechat``) a channel class sends by, None for the log."""
    return getattr(import_string(channel), "medium", None)


def _send(
    note: Notification, channel: str, attempt: int, blocked: set[tuple[int, str]] | None = None
) -> str:
    """One delivery of ``note`` through ``channel``, honouring the recipient's
    preferences (``notifications.preferences``; ``blocked``: the (user id, kind)
    pairs that switched this channel's medium off, when the caller read them for
    a batch): "sent", "skipped" or "retry". A permanent failure (or the last
    transient one) is recorded and raises DeliveryFailed."""
    from civicpoints.notifications.preferences import allows

    medium = _medium(channel)
    if medium is not None:
        if blocked is not None:
            if (note.recipient_id, note.kind) in blocked:
                return "skipped"
        elif not allows(note.recipient_id, note.kind, medium):
            return "skipped"
    try:
        import_string(channel)().send(note)
    except Exception as exc:  # noqa: BLE001 - every failure is either retried or recorded
        code = _error_code(exc)
        if is_transient(exc) and enqueue_retry(
            deliver_notification, note.pk, channel, attempt=attempt
        ):
            log.info("notification %s via %s: %s, retry %d", note.pk, channel, code, attempt)
            return "retry"
        from civicpoints.notifications.services import delivery_failure_record

        delivery_failure_record(notification=note, channel=channel, error=code, attempts=attempt)
        log.warning("notification %s via %s failed: %s", note.pk, channel, code)
        raise DeliveryFailed(code) from None
    return "sent"


@task()
def deliver_notification(notification_id: int, channel: str, attempt: int = 1) -> str:
    """Send notification ``notification_id`` through ``channel`` (a dotted path from
    ``NOTIFICATION_CHANNELS``), unless the recipient turned that medium off for the
    kind (``NotificationPreference``). Transient failures are retried with backoff
    (``core.tasks.enqueue_retry``); a permanent one, or the last transient one, is
    recorded as a ``DeliveryFailure`` (the town admins' failures page) and raises
    ``DeliveryFailed`` so the task result reads failed too.

    Returns ``"sent"``, ``"skipped"`` (preference off), ``"gone"`` (the
    notification was deleted: account closed) or ``"retry"``.
    """
    note = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if note is None:
        return "gone"
    return _send(note, channel, attempt)


@task()
def deliver_notifications(notification_ids: list[int], channel: str) -> str:
    """Send a batch of notifications (a broadcast's recipients, ≤ ``BATCH`` ids)
    through ``channel``: one task per channel per batch instead of one per person.
    Each is sent as ``deliver_notification`` would (preferences, retries of its
    own); a failure of one is recorded and does not stop the others.

    Returns ``"sent N, skipped N, failed N"`` (retries count as sent later).
    """
    from civicpoints.notifications.preferences import blocked_for

    counts = {"sent": 0, "skipped": 0, "failed": 0, "retry": 0}
    notes = list(
        Notification.objects.select_related("recipient")
        .filter(pk__in=notification_ids)
        .order_by("pk")
    )
    medium = _medium(channel)
    blocked = blocked_for(notes, medium) if medium is not None else None
    for note in notes:
        try:
            counts[_send(note, channel, 1, blocked)] += 1
        except DeliveryFailed:
            counts["failed"] += 1
    return "sent {sent}, skipped {skipped}, failed {failed}, retrying {retry}".format(**counts)


BATCH = 200  # notifications per batch task


def enqueue_delivery(note: Notification) -> None:
    """One delivery task per configured channel (call after commit)."""
    for channel in settings.NOTIFICATION_CHANNELS:
        deliver_notification.enqueue(note.pk, channel)


def enqueue_batches(notification_ids: list[int]) -> int:
    """One task per configured channel per ``BATCH`` notifications (call after
    commit); returns how many tasks were enqueued."""
    tasks = 0
    for i in range(0, len(notification_ids), BATCH):
        chunk = notification_ids[i : i + BATCH]
        for channel in settings.NOTIFICATION_CHANNELS:
            deliver_notifications.enqueue(chunk, channel)
            tasks += 1
    return tasks
