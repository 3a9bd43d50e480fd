"""Template context from the accounts app."""


def elder_mode(request) -> dict:
    """``elder_mode``: True when the page should be large text, high contrast."""
    return {"elder_mode": bool(getattr(request, "elder_mode", False))}
