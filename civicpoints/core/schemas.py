"""API schemas every router shares."""

from ninja import Schema


class ErrorOut(Schema):
    """The one error body of the API: a stable ``code``, a ``detail`` in the caller's
    language, and the ``field`` at fault (None when the error is not about one field)."""

    code: str
    detail: str
    field: str | None = None
