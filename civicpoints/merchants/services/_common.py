"""Private helpers shared by the merchant services."""

from __future__ import annotations

from django.utils.translation import gettext as _

from civicpoints.merchants.errors import invalid


def _text(value, field: str, max_length: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise invalid(_("This field is required."), field, "required")
    if len(value) > max_length:
        raise invalid(_("At most %(n)d characters.") % {"n": max_length}, field, "too_long")
    return value
