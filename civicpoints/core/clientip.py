"""The client's address, the one way every part of civicpoints reads it.

Behind a reverse proxy ``REMOTE_ADDR`` is the proxy: keyed on it, five wrong
passwords from anyone lock an account for everyone, one busy resident spends the
whole town's rate limit, and the audit log records the proxy. ``client_ip`` believes
``X-Forwarded-For`` only as far as it was written by a proxy listed in
``settings.TRUSTED_PROXIES`` (addresses or CIDR networks, env ``TRUSTED_PROXIES``):
starting from ``REMOTE_ADDR`` it walks the header from the right — each entry was
appended by the hop to its right — and stops at the first address that is not a
trusted proxy. With no trusted proxies (the default) the header is ignored: a client
can write anything into it.

Used by the login lockout (``AXES_CLIENT_IP_CALLABLE``), the rate limits
(``RATELIMIT_IP_META_KEY``) and the audit log.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES holds a bad address: {exc}") from exc


def trusted_proxies() -> tuple[Network, ...]:
    """``settings.TRUSTED_PROXIES`` parsed (fails loudly on a bad entry)."""
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client that sent ``request`` (a string such as
    ``"203.0.113.7"``), or None when the server passed none.

    ``X-Forwarded-For`` counts only behind a trusted proxy; its entries are believed
    from the right up to the first untrusted one. A garbled entry ends the walk at the
    last trusted hop (a trusted proxy wrote nonsense; do not guess past it)."""
    remote = _parse(request.META.get("REMOTE_ADDR", "") or "")
    if remote is None:
        return None
    networks = trusted_proxies()

    def trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address in net for net in networks if net.version == address.version)

    if not networks or not trusted(remote):
        return str(remote)
    current = remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed([e for e in forwarded.split(",") if e.strip()]):
        hop = _parse(entry)
        if hop is None:
            return str(current)
        current = hop
        if not trusted(hop):
            return str(hop)
    return str(current)


def client_ip_or_unknown(request: HttpRequest) -> str:
    """``client_ip`` for keys that need a string (django-ratelimit): ``"0.0.0.0"`` when
    the server passed no address."""
    # "0.0.0.0" is a rate-limit key here, never an address to bind to.
    return client_ip(request) or "0.0.0.0"  # noqa: S104  # nosec B104
