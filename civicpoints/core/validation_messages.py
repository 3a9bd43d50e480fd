"""Request-validation problems (pydantic's error dicts) in the reader's language.

pydantic writes its messages in English; the API answers in the request's language
(Chinese by default). Each error ``type`` pydantic can raise for our inputs has a
translated message here, formatted with the error's ``ctx`` (bounds, lengths); an
unknown type falls back to a generic translated sentence, never to English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "missing": _("This field is required."),
    # core.parser: a NUL character anywhere (Django's own message and translation)
    "string_nul": _("Null characters are not allowed."),
    "extra_forbidden": _("This field is not expected."),
    "int_type": _("Enter a whole number."),
    "int_parsing": _("Enter a whole number."),
    "int_from_float": _("Enter a whole number."),
    "float_type": _("Enter a number."),
    "float_parsing": _("Enter a number."),
    "decimal_parsing": _("Enter a number."),
    "decimal_type": _("Enter a number."),
    "bool_type": _("Enter true or false."),
    "bool_parsing": _("Enter true or false."),
    "string_type": _("Enter text."),
    "string_too_short": _("Enter at least %(min_length)s characters."),
    "string_too_long": _("Enter at most %(max_length)s characters."),
    "string_pattern_mismatch": _("This value has the wrong format."),
    "greater_than": _("Enter a value greater than %(gt)s."),
    "greater_than_equal": _("Enter a value of at least %(ge)s."),
    "less_than": _("Enter a value less than %(lt)s."),
    "less_than_equal": _("Enter a value of at most %(le)s."),
    "date_type": _("Enter a date (YYYY-MM-DD)."),
    "date_parsing": _("Enter a date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": _("Enter a date (YYYY-MM-DD)."),
    "date_from_datetime_inexact": _("Enter a date (YYYY-MM-DD)."),
    "datetime_type": _("Enter a date and time (YYYY-MM-DDTHH:MM)."),
    "datetime_parsing": _("Enter a date and time (YYYY-MM-DDTHH:MM)."),
    "datetime_from_date_parsing": _("Enter a date and time (YYYY-MM-DDTHH:MM)."),
    "time_parsing": _("Enter a time (HH:MM)."),
    "list_type": _("Enter a list."),
    "too_short": _("Give at least %(min_length)s items."),
    "too_long": _("Give at most %(max_length)s items."),
    "dict_type": _("Enter an object."),
    "model_type": _("Enter an object."),
    "model_attributes_type": _("Enter an object."),
    "json_invalid": _("The request body is not valid JSON."),
    "json_type": _("The request body is not valid JSON."),
    "literal_error": _("Choose one of the allowed values."),
    "enum": _("Choose one of the allowed values."),
    "url_parsing": _("Enter a valid address."),
    "uuid_parsing": _("Enter a valid identifier."),
}
FALLBACK = _("This value is not valid.")


def _plain(value: Any) -> Any:
    return value if isinstance(value, int | float | str) else str(value)


def translated_message(error: Mapping[str, Any]) -> str:
    """The message for one pydantic error dict, in the active language.

    A ``value_error`` raised by our own validators (``core.bounds``) already carries a
    translated message (pydantic prefixes ``Value error, ``): that message is kept."""
    kind = error.get("type", "")
    if kind == "value_error":
        ctx_error = (error.get("ctx") or {}).get("error")
        if ctx_error is not None:
            return str(ctx_error)
    template = MESSAGES.get(kind)
    if template is None:
        return gettext(str(FALLBACK))
    ctx = {k: _plain(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        return str(template) % ctx if "%(" in str(template) else str(template)
    except (KeyError, TypeError, ValueError):
        return gettext(str(FALLBACK))
