"""Template context from the accounts app."""

from django.http import HttpRequest


def elder_mode(request: HttpRequest) -> dict[str, bool]:
    """``elder_mode``: True when the page should be large text, high contrast."""
    return {"elder_mode": bool(getattr(request, "elder_mode", False))}
