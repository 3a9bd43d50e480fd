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
    """PUBLIC when a published post shows ``name`` to everyone; PRIVATE when ``user``
    may see it otherwise; else None.

    A published post shows everyone its public copy (faces and plates blurred,
    ``core.imaging``); the original goes only to its author and the staff covering
    them — except for a photo stored before blurring existed, which has no public
    copy yet (``manage.py photos_blur`` makes one) and stays public as it was.
    """
    rows = PostPhoto.objects.filter(
        Q(image=name) | Q(thumbnail=name) | Q(public_image=name) | Q(public_thumbnail=name)
    ).select_related("post", "post__author")
    verdict = None
    for row in rows:
        post = row.post
        is_public_copy = name in (row.public_image.name, row.public_thumbnail.name)
        if post.is_public and (is_public_copy or not row.public_image):
            return PUBLIC
        if user.is_authenticated and (user.pk == post.author_id or can_moderate(user, post)):
            verdict = PRIVATE
    return verdict


media_guard("posts/")(post_photo_access)
media_guard("reports/")(post_photo_access)
