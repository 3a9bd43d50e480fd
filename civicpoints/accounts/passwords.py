"""Password re-checks by a signed-in person, attempt-limited.

Changing the password, closing the account and any other "type your password again"
step go through ``password_recheck``: a stolen session must not be able to guess the
password at full speed. Failed attempts are counted per person in Django's cache
(Redis when ``REDIS_URL`` is set, shared by every worker): at
``settings.PASSWORD_RECHECK_LIMIT`` failures (default 5) within
``settings.PASSWORD_RECHECK_WINDOW_SECONDS`` (default 900 s) further re-checks are
refused with 429 ``password_attempts_exceeded`` — even with the right password —
until the window runs out or a staff reset clears the count. A success clears it.
Sign-in itself is limited by django-axes (``core.throttle``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import User
from civicpoints.core.errors import DomainError


class TooManyPasswordAttempts(DomainError):
    code = "password_attempts_exceeded"
    status = 429
    default_detail = _("Too many wrong passwords. Wait %(minutes)s minutes and try again.")


def _key(user: User) -> str:
    return f"civicpoints.password-recheck.{user.pk}"


def password_recheck(*, user: User, password: str | None, field: str = "password") -> bool:
    """Whether ``password`` is ``user``'s password, counting a wrong one.

    Returns True (and clears the count) or False (one more failure counted).

    Raises:
        TooManyPasswordAttempts (429, ``field``): the limit is reached; the password is
            not even compared.
    """
    limit = settings.PASSWORD_RECHECK_LIMIT
    window = settings.PASSWORD_RECHECK_WINDOW_SECONDS
    key = _key(user)
    if (cache.get(key) or 0) >= limit:
        minutes = max(1, round(window / 60))
        raise TooManyPasswordAttempts(
            TooManyPasswordAttempts.default_detail % {"minutes": minutes}, field=field
        )
    if user.check_password(password or ""):
        cache.delete(key)
        return True
    # add() starts the window once; incr() is atomic in Redis and the local cache.
    cache.add(key, 0, timeout=window)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr: count this one afresh
        cache.set(key, 1, timeout=window)
    return False


def password_recheck_clear(*, user: User) -> None:
    """Forget ``user``'s failed re-checks (a staff password reset)."""
    cache.delete(_key(user))
