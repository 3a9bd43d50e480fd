"""The rotating check-in code the organizer's screen shows: new every minute, HMAC-signed.

A code is ``<window>-<mac>``: ``window`` is the Unix minute (seconds // 60) it
was made in, ``mac`` an HMAC (SECRET_KEY, salted) over the purpose (check-in or
check-out), the event id and that window. A code is accepted during its own
minute and the next one, so a resident who scanned at 10:00:59 still gets in at
10:01:30; a photo of the screen passed around stops working within two minutes.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from civicpoints.events.errors import CodeExpired, InvalidCode

WINDOW_SECONDS = 60
_SALT = "civicpoints.events.checkin-code"

Purpose = Literal["in", "out"]


def _window(at: dt.datetime) -> int:
    return int(at.timestamp()) // WINDOW_SECONDS


def _mac(event_id: int, purpose: str, window: int) -> str:
    return salted_hmac(_SALT, f"{purpose}:{event_id}:{window}", algorithm="sha256").hexdigest()[:16]


def checkin_code(*, event_id: int, purpose: Purpose = "in", at: dt.datetime | None = None) -> str:
    """The code of ``event_id`` for ``purpose`` in the minute containing ``at`` (default now)."""
    window = _window(at or timezone.now())
    return f"{window}-{_mac(event_id, purpose, window)}"


def checkin_code_verify(
    *, event_id: int, code: str, purpose: Purpose = "in", at: dt.datetime | None = None
) -> None:
    """Accept ``code`` if it was made for this event and purpose in this minute or the last.

    Raises:
        InvalidCode (422, field ``code``): garbled, forged, another event's or
            purpose's code, or from the future.
        CodeExpired (422, field ``code``): genuine but older than the previous minute.
    """
    window_text, _sep, mac = str(code or "").strip().partition("-")
    if not window_text.isdigit() or not mac:
        raise InvalidCode(field="code")
    window = int(window_text)
    if not constant_time_compare(mac, _mac(event_id, purpose, window)):
        raise InvalidCode(field="code")
    now = _window(at or timezone.now())
    if window > now:
        raise InvalidCode(field="code")
    if window < now - 1:
        raise CodeExpired(field="code")
