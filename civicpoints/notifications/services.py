"""Sending and reading notifications. Call ``notify`` inside the transaction of the change."""

from django.db import transaction
from django.utils import timezone

from civicpoints.accounts.models import User
from civicpoints.core.errors import NotFound
from civicpoints.notifications.channels import deliver
from civicpoints.notifications.models import Notification


def notify(
    *, recipient: User, kind: str, title: str, body: str = "", url: str = ""
) -> Notification:
    """Put a message in ``recipient``'s inbox and send it out once the transaction commits.

    Call it from inside the service's transaction: if that transaction rolls
    back, the inbox row disappears with it and no channel is ever called.

    Args:
        recipient: the person told.
        kind: a ``NotificationKind`` value.
        title: one line (≤ 120 characters), already in the recipient's language
            or a lazy translation.
        body: optional text; url: optional link inside the site.

    Returns:
        The saved Notification.
    """
    note = Notification.objects.create(
        recipient=recipient,
        town_id=recipient.town_id,
        kind=kind,
        title=str(title)[:120],
        body=str(body),
        url=url[:300],
    )
    transaction.on_commit(lambda: deliver(note))
    return note


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of ``user``'s notifications read (idempotent).

    Raises: NotFound — no such notification in ``user``'s inbox.
    """
    try:
        note = Notification.objects.get(pk=notification_id, recipient=user)
    except Notification.DoesNotExist:
        raise NotFound() from None
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
        note.refresh_from_db(fields=["read_at"])
    return note


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read; returns how many changed."""
    return Notification.objects.filter(recipient=user).unread().update(read_at=timezone.now())
