"""Sane ranges for every date and number a request can carry — one definition for
API schemas (pydantic types) and pages (Django form fields).

A date in year 1 or 9999 parses fine and then overflows date arithmetic (a month's
end, a week before, a day after) or the database's integer columns: a 500 instead of
a 4xx naming the field. Every date input is a local date between ``MIN_DATE`` and
``MAX_DATE`` (2000-01-01 … 2099-12-31: the platform's history starts in 2018, and
nothing is planned past this century); every whole number has bounds that fit the
database (``ObjectId`` for row ids, ``Count``, ``Points``, ``Fen``). Out of range →
422 with the field named (API: ``code`` ``invalid``; services: ``InvalidInput`` code
``out_of_range``) and a translated message. ``core.tests.test_input_bounds`` walks the
OpenAPI schema and fails on any date or integer input without bounds.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator, Field

from civicpoints.core.errors import InvalidInput

DateLike = TypeVar("DateLike", dt.date, dt.datetime)

MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2099, 12, 31)
ID_MAX = 2**63 - 1  # a database BIGINT
INT32_MAX = 2**31 - 1

OUT_OF_RANGE = _("Give a date between %(min)s and %(max)s.")


def _range_text() -> dict[str, str]:
    return {"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()}


def date_in_range(value: dt.date | dt.datetime) -> bool:
    day = value.date() if isinstance(value, dt.datetime) else value
    return MIN_DATE <= day <= MAX_DATE


def check_date(value: DateLike | None, *, field: str) -> DateLike | None:
    """``value`` (a date or datetime, or None) if within range, for services and
    selectors that take dates from elsewhere than a schema or form.

    Raises: InvalidInput(code ``out_of_range``, ``field``)."""
    if value is not None and not date_in_range(value):
        raise InvalidInput(OUT_OF_RANGE % _range_text(), field=field, code="out_of_range")
    return value


def _pydantic_check(value: DateLike | None) -> DateLike | None:
    if value is not None and not date_in_range(value):
        # pydantic reports this as a value_error carrying our translated message
        raise ValueError(str(OUT_OF_RANGE % _range_text()))
    return value


_DATE_SCHEMA = {"formatMinimum": MIN_DATE.isoformat(), "formatMaximum": MAX_DATE.isoformat()}

# --- API types (pydantic) -------------------------------------------------------------

LocalDate = Annotated[
    dt.date, AfterValidator(_pydantic_check), Field(json_schema_extra=_DATE_SCHEMA)
]
"""A local date between MIN_DATE and MAX_DATE."""

DateTime = Annotated[
    dt.datetime, AfterValidator(_pydantic_check), Field(json_schema_extra=_DATE_SCHEMA)
]
"""A date and time whose date lies between MIN_DATE and MAX_DATE."""

Month = Annotated[str, Field(max_length=7, description="A month, YYYY-MM, 2000-01 … 2099-12.")]
"""A month as ``YYYY-MM``: parsed, and its range checked with ``check_date``, by the
service that takes it (a 422 ``invalid_month`` / ``out_of_range`` naming ``month``)."""

ObjectId = Annotated[int, Field(ge=1, le=ID_MAX)]
"""A row id (1 … 2⁶³−1): larger ones cannot exist and would overflow the database."""

Count = Annotated[int, Field(ge=0, le=1_000_000)]
"""A count of things (stock, places, units, hours, years): 0 … 1,000,000."""

Points = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
"""Whole points either sign (services apply their own tighter rules)."""

Fen = Annotated[int, Field(ge=0, le=INT32_MAX)]
"""An amount of money in fen (0 … 2³¹−1, ~21 million yuan)."""

Percent = Annotated[int, Field(ge=0, le=100)]

# --- page form fields (Django) ----------------------------------------------------------


def validate_date_range(value: dt.date | dt.datetime | None) -> None:
    """Django validator: the same range as the API's ``LocalDate``/``DateTime``."""
    if value is not None and not date_in_range(value):
        raise ValidationError(OUT_OF_RANGE, code="out_of_range", params=_range_text())


class BoundedDateField(forms.DateField):
    """A form date in range (``validate_date_range``); the browser's picker is bounded too."""

    default_validators = [validate_date_range]

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update({"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()})
        return attrs


class BoundedDateTimeField(forms.DateTimeField):
    """A form date-time whose date is in range (``validate_date_range``)."""

    default_validators = [validate_date_range]


__all__ = [
    "MIN_DATE",
    "MAX_DATE",
    "LocalDate",
    "DateTime",
    "Month",
    "ObjectId",
    "Count",
    "Points",
    "Fen",
    "Percent",
    "BoundedDateField",
    "BoundedDateTimeField",
    "check_date",
    "validate_date_range",
]
Limit = Annotated[int, Field(ge=1, le=100)]
"""Rows per page or board (1 … 100)."""
