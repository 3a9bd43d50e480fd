"""Where a request comes from, for abuse signals: the client address and a device id.

The address is ``REMOTE_ADDR`` (see README "Security": nothing here trusts
``X-Forwarded-For``). The device id is what the client says: the mini-program
or app sends ``X-Device-Id``; a browser gets a random ``cp_device`` cookie on the
registration page (``device_cookie_set``). Both are only ever stored as keyed
hashes (``origin_hash``), never as given.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

DEVICE_COOKIE = "cp_device"
DEVICE_HEADER = "X-Device-Id"
DEVICE_COOKIE_AGE = 2 * 365 * 24 * 3600  # seconds


def request_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


def request_device(request: HttpRequest) -> str:
    """The device id the client sent (header first, then cookie), at most 64 characters."""
    return str(request.headers.get(DEVICE_HEADER) or request.COOKIES.get(DEVICE_COOKIE) or "")[:64]


def device_cookie_set(request: HttpRequest, response: HttpResponseBase) -> None:
    """Give a browser without one a random device cookie (HttpOnly, a year or two)."""
    if not request.COOKIES.get(DEVICE_COOKIE):
        response.set_cookie(
            DEVICE_COOKIE,
            secrets.token_urlsafe(16),
            max_age=DEVICE_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )


def origin_hash(value: str, *, purpose: str) -> str:
    """A keyed hash (32 hex digits) of an address or device id; "" for ""."""
    if not value:
        return ""
    key = f"{settings.SECRET_KEY}:origin:{purpose}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]
