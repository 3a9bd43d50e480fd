"""The API's request parser: refuses a NUL character in any text it parses.

PostgreSQL text cannot hold NUL (0x00) and answers ``DataError`` (a 500) while SQLite
stores it; Django's form fields refuse it, pydantic's ``str`` does not. Refusing it
here, for JSON bodies, query strings and form fields alike, makes the whole class a
422 naming the field (the API's one validation error shape), whichever operation.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.errors import ValidationError
from ninja.parser import Parser
from ninja.types import DictStrAny


def _nul_at(value: Any, loc: list[str | int]) -> list[str | int] | None:
    """The location of the first string holding a NUL in ``value``, or None."""
    if isinstance(value, str):
        return loc if "\x00" in value else None
    if isinstance(value, dict):
        for key, sub in value.items():
            found = _nul_at(key, [*loc, str(key)]) or _nul_at(sub, [*loc, str(key)])
            if found is not None:
                return found
    if isinstance(value, list):
        for i, sub in enumerate(value):
            found = _nul_at(sub, [*loc, i])
            if found is not None:
                return found
    return None


def _refuse_nul(data: Any, where: str) -> None:
    loc = _nul_at(data, [where])
    if loc is not None:
        raise ValidationError(
            [{"loc": loc, "msg": "Text may not contain NUL characters.", "type": "string_nul"}]
        )


class NulRefusingParser(Parser):
    """Ninja's JSON/query parser, plus: no NUL character anywhere (422 naming the field)."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = super().parse_body(request)
        _refuse_nul(data, "body")
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> DictStrAny:
        result = super().parse_querydict(data, list_fields, request)
        _refuse_nul(result, "query")
        return result
