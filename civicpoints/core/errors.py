"""Domain errors with stable codes, mapped to HTTP in one place (``civicpoints.api``).

Services raise these; views turn them into form errors and the API into a
4xx JSON body ``{"code": ..., "detail": ..., "field": ...}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class DomainError(Exception):
    """Base class: ``code`` is stable (clients branch on it), ``detail`` is for people."""

    code = "domain_error"
    status = 400
    default_detail = _("The request could not be carried out.")

    def __init__(
        self,
        detail: StrOrPromise | None = None,
        *,
        field: str | None = None,
        code: str | None = None,
    ) -> None:
        self.detail = detail if detail is not None else self.default_detail
        self.field = field
        if code:
            self.code = code
        super().__init__(str(self.detail))

    def as_dict(self) -> dict[str, str | None]:
        """The API's one error body (``core.schemas.ErrorOut``): ``field`` is always
        present, ``None`` when the error is not about one field."""
        return {"code": self.code, "detail": str(self.detail), "field": self.field or None}


class InvalidInput(DomainError):
    code = "invalid"
    status = 422


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_detail = _("Not found.")


class OutOfScope(DomainError):
    """The actor's role or community/town does not cover the target."""

    code = "out_of_scope"
    status = 403
    default_detail = _("You may not act on this resident.")


class Conflict(DomainError):
    code = "conflict"
    status = 409


class NotAuthenticated(DomainError):
    """A signed-out call to an operation that needs a session."""

    code = "not_authenticated"
    status = 401
    default_detail = _("Sign in first.")
