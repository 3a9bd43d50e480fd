"""Neighbours on a published post: comments, likes, shares."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from civicpoints.accounts.models import User
from civicpoints.accounts.scope import require_covers, require_staff
from civicpoints.core.errors import NotFound
from civicpoints.posts.models import COMMENT_MAX, Comment, Like, Post, PostStatus, Share
from civicpoints.posts.services._common import _clean_text, _locked


def _require_public(post: Post) -> None:
    if post.status != PostStatus.APPROVED:
        raise NotFound()


def comment_add(*, author: User, post: Post, body: str) -> Comment:
    """Comment on a published post; shown at once (staff may hide it later).

    Raises: NotFound (post not published), InvalidInput (``body`` empty or > 500 characters).
    """
    body = _clean_text(body, field="body", max_len=COMMENT_MAX)
    with transaction.atomic():
        post = _locked(post)
        _require_public(post)
        comment = Comment.objects.create(post=post, author=author, body=body)
        Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
    return comment


def comment_hide(*, actor: User, comment: Comment) -> Comment:
    """Staff covering the post's author hide a comment (idempotent).

    Raises: OutOfScope (not staff, or the post's author is outside the actor's scope).
    """
    require_staff(actor)
    require_covers(actor, comment.post.author)
    with transaction.atomic():
        changed = Comment.objects.filter(pk=comment.pk, is_hidden=False).update(
            is_hidden=True, hidden_by=actor
        )
        if changed:
            Post.objects.filter(pk=comment.post_id).update(comment_count=F("comment_count") - 1)
    comment.refresh_from_db()
    return comment


def like_toggle(*, user: User, post: Post) -> tuple[bool, int]:
    """Like a published post, or take the like back (one like per person per post).

    No points are given for likes (so none for liking one's own post either).

    Returns: (liked now?, the post's like count).
    Raises: NotFound (post not published).
    """
    with transaction.atomic():
        post = _locked(post)
        _require_public(post)
        deleted, _rows = Like.objects.filter(post=post, user=user).delete()
        if deleted:
            Post.objects.filter(pk=post.pk).update(like_count=F("like_count") - 1)
            liked = False
        else:
            Like.objects.create(post=post, user=user)
            Post.objects.filter(pk=post.pk).update(like_count=F("like_count") + 1)
            liked = True
        post.refresh_from_db(fields=["like_count"])
    return liked, post.like_count


def post_share(*, user: User, post: Post) -> int:
    """Record that ``user`` shared a published post (counted once per person); returns the count.

    Raises: NotFound (post not published).
    """
    with transaction.atomic():
        post = _locked(post)
        _require_public(post)
        _share, created = Share.objects.get_or_create(post=post, user=user)
        if created:
            Post.objects.filter(pk=post.pk).update(share_count=F("share_count") + 1)
        post.refresh_from_db(fields=["share_count"])
    return post.share_count
