"""Helpers that read settings from the environment and fail loudly on bad values.

Modelled on healthchecks' ``envbool`` / ``envint``: a typo in a deployment's
environment must stop the process at start-up, not silently fall back.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    """Return the variable ``name`` as a string, or ``default`` when it is unset."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """Return the variable ``name`` as a bool.

    Accepts 1/true/yes/on and 0/false/no/off (any case).

    Raises:
        ImproperlyConfigured: for any other value.
    """
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    """Return the variable ``name`` as an int.

    Raises:
        ImproperlyConfigured: when it is set but is not an integer.
    """
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    """Return the comma-separated variable ``name`` as a list of non-empty strings."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def check_console_allowed(*, debug: bool, backend: str, allowed: bool) -> None:
    """Refuse to start production on the console backend (it sends nothing: codes
    and reset passwords would never arrive) unless explicitly allowed.

    Raises: ImproperlyConfigured.
    """
    if not debug and backend.endswith(".ConsoleSMSBackend") and not allowed:
        raise ImproperlyConfigured(
            "SMS_BACKEND is the console backend, which sends nothing. Configure "
            "TencentSMSBackend or AliyunSMSBackend (README, 'SMS'), or set "
            "SMS_CONSOLE_IN_PRODUCTION=1 to run without text messages."
        )


def env_optional_int(name: str, default: int | None) -> int | None:
    """Return the variable ``name`` as an int, or None for ``none``/an empty value.

    Unset gives ``default``. Used where None means "no limit" (``CONN_MAX_AGE``).

    Raises:
        ImproperlyConfigured: when it is set to anything else.
    """
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in {"", "none"}:
        return None
    return env_int(name, 0)
