"""Who may fetch an article's cover (``core.media`` guard).

A published article's cover goes to its audience (``selectors.articles_visible``:
signed-in people of the town, or of its community); a draft's or a scheduled
article's only to the staff who may edit it (``selectors.articles_for_staff``).
"""

from __future__ import annotations

from civicpoints.articles import selectors
from civicpoints.core.media import PRIVATE, media_guard


@media_guard("articles/")
def article_cover_access(user, name: str) -> str | None:
    """PRIVATE when ``user`` may read (or edit) an article whose cover is ``name``; else None."""
    if not user.is_authenticated or not name:
        return None
    if selectors.articles_visible(user).filter(cover=name).exists():
        return PRIVATE
    if user.is_community_staff and selectors.articles_for_staff(user).filter(cover=name).exists():
        return PRIVATE
    return None
