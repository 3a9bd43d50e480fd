"""Outbound channels behind one interface (console by default).

``settings.NOTIFICATION_CHANNELS`` lists dotted paths of ``Channel`` subclasses;
each gets every notification *after* the transaction that created it commits,
so a rolled-back change never sends anything. A channel that fails is logged
and does not stop the others (the in-app inbox row is already saved).
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("civicpoints.notifications")


class Channel:
    def send(self, notification) -> None:
        """Deliver ``notification`` (a saved Notification). May raise on failure."""
        raise NotImplementedError


class ConsoleChannel(Channel):
    """Writes each notification to the log; keeps them in ``sent`` for tests."""

    sent: list = []

    def send(self, notification) -> None:
        type(self).sent.append(notification)
        log.info(
            "notify %s [%s] %s", notification.recipient_id, notification.kind, notification.title
        )


def channels() -> list[Channel]:
    """Instances of the configured channels."""
    paths = getattr(
        settings, "NOTIFICATION_CHANNELS", ["civicpoints.notifications.channels.ConsoleChannel"]
    )
    return [import_string(p)() for p in paths]


def deliver(notification) -> None:
    """Send ``notification`` through every channel; failures are logged, not raised."""
    for channel in channels():
        try:
            channel.send(notification)
        except Exception:  # noqa: BLE001 - one broken channel must not stop the others
            log.exception(
                "channel %s failed for notification %s", type(channel).__name__, notification.pk
            )
