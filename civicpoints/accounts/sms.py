"""Outbound SMS behind one interface. Only the console backend exists here.

A real gateway (Aliyun, Tencent Cloud …) implements ``SMSBackend.send`` and is
named in the ``SMS_BACKEND`` setting; nothing else changes.
"""

import logging
from abc import ABC, abstractmethod

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("civicpoints.sms")


class SMSBackend(ABC):
    """A gateway; subclasses implement ``send``."""

    @abstractmethod
    def send(self, *, mobile: str, text: str) -> None:
        """Send ``text`` to the canonical 11-digit ``mobile``. Raises on delivery failure."""


class ConsoleSMSBackend(SMSBackend):
    """Writes messages to the log and keeps them in ``outbox`` (for tests and development)."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, mobile: str, text: str) -> None:
        type(self).outbox.append((mobile, text))
        log.info("SMS to %s: %s", mobile, text)


def get_sms_backend() -> SMSBackend:
    """An instance of the backend named by ``settings.SMS_BACKEND``."""
    backend: SMSBackend = import_string(settings.SMS_BACKEND)()
    return backend
