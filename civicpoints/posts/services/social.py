"""Neighbours on a published post: comments, likes, shares."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from civicpoints.accounts.models import User
from civicpoints.accounts.scope import require_covers, require_staff
from civicpoints.core.errors import NotFound
from civicpoints.posts.models import COMMENT_MAX, Comment, Like, Post, PostStatus, Share
from civicpoints.posts.services._common import _clean_text, _in_town, _locked


def _require_public(post: Post, person: User) -> None:
    """NotFound unless ``post`` is published in ``person``'s own town."""
    if post.status != PostStatus.APPROVED or post.town_id != person.town_id:
        raise NotFound()


def comment_add(*, author: User, post: Post, body: str) -> Comment:
    """Comment on a published post; shown at once (staff may hide it later).

    Raises: NotFound (post not published), InvalidInput (``body`` empty or > 500 characters).
    """
    body = _clean_text(body, field="body", max_len=COMMENT_MAX)
    with transaction.atomic():
        post = _locked(post)
        _require_public(post, author)
        comment = Comment.objects.create(town_id=post.town_id, post=post, author=author, body=body)
        _in_town(post).update(comment_count=F("comment_count") + 1)
    return comment


def comment_hide(*, actor: User, comment: Comment) -> Comment:
    """Staff covering the post's author hide a comment (idempotent).

    Raises: OutOfScope (not staff, or the post's author is outside the actor's scope).
    """
    require_staff(actor)
    require_covers(actor, comment.post.author)
    with transaction.atomic():
        changed = (
            Comment.objects.for_town(comment.town_id)
            .filter(pk=comment.pk, is_hidden=False)
            .update(is_hidden=True, hidden_by=actor)
        )
        if changed:
            Post.objects.for_town(comment.town_id).filter(pk=comment.post_id).update(
                comment_count=F("comment_count") - 1
            )
    return Comment.objects.for_town(comment.town_id).get(pk=comment.pk)


def like_toggle(*, user: User, post: Post) -> tuple[bool, int]:
    """Like a published post, or take the like back (one like per person per post).

    No points are given for likes (so none for liking one's own post either).

    Returns: (liked now?, the post's like count).
    Raises: NotFound (post not published).
    """
    with transaction.atomic():
        post = _locked(post)
        _require_public(post, user)
        deleted, _rows = Like.objects.for_town(post.town_id).filter(post=post, user=user).delete()
        if deleted:
            _in_town(post).update(like_count=F("like_count") - 1)
            liked = False
        else:
            Like.objects.create(town_id=post.town_id, post=post, user=user)
            _in_town(post).update(like_count=F("like_count") + 1)
            liked = True
        count = _in_town(post).values_list("like_count", flat=True).get()
    return liked, count


def post_share(*, user: User, post: Post) -> int:
    """Record that ``user`` shared a published post (counted once per person); returns the count.

    Raises: NotFound (post not published).
    """
    with transaction.atomic():
        post = _locked(post)
        _require_public(post, user)
        _share, created = Share.objects.for_town(post.town_id).get_or_create(
            town_id=post.town_id, post=post, user=user
        )
        if created:
            _in_town(post).update(share_count=F("share_count") + 1)
        return _in_town(post).values_list("share_count", flat=True).get()
