"""Glue between domain errors and Django forms."""

from typing import Any

from django import forms

from civicpoints.core.errors import DomainError


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Attach ``exc`` to its field when the form has it, else as a non-field error."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.detail))


class NonceField(forms.CharField):
    """A hidden idempotency nonce rendered with the form: a double submit acts once."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_length", 8)
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)


def skip_validation(form: forms.Form) -> forms.Form:
    """Show a bound ``form`` again with its values but none of its own errors (a page's
    secondary button, such as "text me a code", that uses only one field);
    ``add_domain_error`` may then attach that button's error."""
    form._errors = forms.utils.ErrorDict()  # type: ignore[attr-defined]
    form.cleaned_data = {}
    return form
