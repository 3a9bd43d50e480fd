"""Who may fetch a post's photos (``core.media`` guard).

A published post's photos are public (share pages show them to WeChat's
preview); a pending, rejected or taken-down post's only to its author and the
staff covering the author — the same rule as the post itself
(``selectors.post_for_viewer``). Posts published for a report show the
report's files, so this guard also answers for names under ``reports/``.
"""

from __future__ import annotations

from django.db.models import Q

from civicpoints.core.media import PRIVATE, PUBLIC, media_guard
from civicpoints.posts.models import PostPhoto
from civicpoints.posts.selectors import can_moderate


def post_photo_access(user, name: str) -> str | None:
    """PUBLIC when a published post shows ``name``; PRIVATE when ``user`` may see an
    unpublished one that does; else None."""
    rows = PostPhoto.objects.filter(Q(image=name) | Q(thumbnail=name)).select_related(
        "post", "post__author"
    )
    verdict = None
    for row in rows:
        post = row.post
        if post.is_public:
            return PUBLIC
        if user.is_authenticated and (user.pk == post.author_id or can_moderate(user, post)):
            verdict = PRIVATE
    return verdict


media_guard("posts/")(post_photo_access)
media_guard("reports/")(post_photo_access)
