"""Sending and reading notifications. Call ``notify`` inside the transaction of the change."""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone, translation

from civicpoints.accounts.models import User
from civicpoints.accounts.scope import town_of
from civicpoints.core.errors import NotFound
from civicpoints.notifications.models import DeliveryFailure, Notification
from civicpoints.notifications.tasks import enqueue_delivery

Text = str | Callable[[], str]


def in_language_of(recipient: User, text: Text) -> str:
    """``text`` rendered in ``recipient``'s language: a callable is called, and a
    lazy translation is turned into a str, with that language active."""
    with translation.override(recipient.language or None):
        return text() if callable(text) else str(text)


def message(template, /, **params) -> Callable[[], str]:
    """A title or body for ``notify``: ``template`` filled with ``params`` (%-style)
    when it is rendered in the recipient's language.

    ``template`` must be a lazy translation (``gettext_lazy("Tomorrow: %(title)s")``)
    so that the language is chosen at rendering; ``params`` are names, numbers and
    dates taken as given (a lazy value among them is rendered in that language too).
    """
    return lambda: str(template) % params


def notify(
    *, recipient: User, kind: str, title: Text, body: Text = "", url: str = ""
) -> Notification:
    """Put a message in ``recipient``'s inbox and send it out once the transaction commits.

    Call it from inside the service's transaction: if that transaction rolls
    back, the inbox row disappears with it and no channel is ever called.

    Args:
        recipient: the person told.
        kind: a ``NotificationKind`` value.
        title: one line (≤ 120 characters). Pass a callable (``lambda: _("…") %
            {…}``) or a lazy translation: it is rendered with the recipient's
            language (``User.language``) active, so the inbox, SMS and WeChat
            message read in their language, not in the language of whoever
            caused it. A plain str is stored as it is.
        body: optional text, like ``title``; url: optional link inside the site.

    Returns:
        The saved Notification.
    """
    note = Notification.objects.create(
        recipient=recipient,
        town_id=town_of(recipient),
        kind=kind,
        title=in_language_of(recipient, title)[:120],
        body=in_language_of(recipient, body),
        url=url[:300],
    )
    # after commit, one queued delivery per channel (core.tasks): the request only
    # writes rows; SMS and WeChat calls happen in the worker, with retries
    transaction.on_commit(lambda: enqueue_delivery(note))
    return note


@transaction.atomic
def delivery_failure_record(
    *, notification: Notification, channel: str, error: str, attempts: int
) -> DeliveryFailure:
    """Record that ``channel`` gave up on ``notification`` after ``attempts`` tries
    with ``error`` (a provider code, no text or number); a later failure of the same
    pair refreshes the row. Shown to town admins on ``/messages/failures/``."""
    row, _created = DeliveryFailure.objects.update_or_create(
        notification=notification,
        channel=channel,
        defaults={
            "town_id": notification.town_id,
            "error": error[:80],
            "attempts": attempts,
            "failed_at": timezone.now(),
        },
    )
    return row


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
