"""Mainland China mobile numbers: one canonical spelling, and masking for display."""

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from civicpoints.core.errors import InvalidInput

_SEPARATORS = re.compile(r"[\s\-()\u3000]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalize_mobile(raw: str) -> str:
    """Return the 11-digit canonical form of a mainland mobile number.

    Full-width characters become ASCII; spaces, dashes and brackets are dropped, and a ``+86``,
    ``0086`` or ``86`` country prefix removed, so ``+86 138-0013-8000``,
    ``0086 13800138000`` and ``138 0013 8000`` are the same account.

    Raises:
        InvalidInput(code="invalid_mobile", field="mobile"): anything that is not
        then an 11-digit number starting 13–19.
    """
    # NFKC turns full-width digits and plus signs (typed with a Chinese IME) into ASCII.
    value = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(raw or "")))
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    if not _MOBILE.match(value):
        raise InvalidInput(
            _("Enter a valid 11-digit mainland mobile number."),
            field="mobile",
            code="invalid_mobile",
        )
    return value


def mask_mobile(mobile: str) -> str:
    """``13800138000`` → ``138****8000``: what anyone outside the owner's scope sees."""
    if len(mobile) != 11:
        return "*" * len(mobile)
    return f"{mobile[:3]}****{mobile[7:]}"
