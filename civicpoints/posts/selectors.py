"""Reads for posts: feeds paged by cursor, one post for a viewer, moderation queues."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Community, User
from civicpoints.accounts.scope import covers, residents_in_scope, town_of
from civicpoints.core.errors import InvalidInput, NotFound
from civicpoints.core.search import matching
from civicpoints.posts.models import (
    Appeal,
    AppealStatus,
    Comment,
    Like,
    Post,
    PostPhoto,
    PostStatus,
    Section,
)

FEED_PAGE = 20  # posts per page
FEED_PAGE_MAX = 50


@dataclass(frozen=True)
class FeedPage:
    posts: list[Post]
    next_cursor: str | None


def _encode_cursor(post: Post) -> str:
    assert post.published_at is not None  # the feed lists published posts only
    us = int(post.published_at.timestamp() * 1_000_000)
    return f"{us}_{post.pk}"


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        us, pk = str(cursor).split("_", 1)
        at = dt.datetime.fromtimestamp(int(us) / 1_000_000, tz=dt.UTC)
        return at, int(pk)
    except (ValueError, OverflowError, OSError):
        raise InvalidInput(
            _("This page link is not valid."), field="cursor", code="invalid_cursor"
        ) from None


def sections_active(viewer: User | None = None) -> QuerySet[Section]:
    """Active sections of ``viewer``'s town (each town has its own); a visitor gets
    every town's (``TownScopedQuerySet.for_viewer``)."""
    return Section.objects.for_viewer(viewer).filter(is_active=True)


def feed(
    *,
    viewer: User | None = None,
    section: Section | None = None,
    community: Community | None = None,
    cursor: str | None = None,
    limit: int = FEED_PAGE,
) -> FeedPage:
    """Published posts, newest first, in pages of ``limit`` (≤ 50) after ``cursor``.

    Keyset paging on (published_at, id) descending: a page is defined by the
    last post seen, not by an offset, so posts published while someone pages
    neither repeat nor push others out of view (no duplicates, no gaps).

    Args:
        viewer: their town's posts only (``for_viewer``; a visitor sees every town's
            published posts) and ``post.liked_by_me``; section / community: filters;
        cursor: ``next_cursor`` of the previous page (opaque string).

    Returns: FeedPage(posts, next_cursor or None on the last page).
    Raises: InvalidInput (code ``invalid_cursor``).
    """
    limit = max(1, min(int(limit), FEED_PAGE_MAX))
    qs = Post.objects.public().for_viewer(viewer).select_related("author", "section", "community")
    if section is not None:
        qs = qs.filter(section=section)
    if community is not None:
        qs = qs.filter(community=community)
    if cursor:
        at, pk = _decode_cursor(cursor)
        qs = qs.filter(Q(published_at__lt=at) | Q(published_at=at, pk__lt=pk))
    if viewer is not None and viewer.is_authenticated:
        mine = Like.objects.filter(town_id=OuterRef("town_id"), post=OuterRef("pk"), user=viewer)
        qs = qs.annotate(liked_by_me=Exists(mine))
    rows = list(qs.order_by("-published_at", "-pk")[: limit + 1])
    # the photos of the page, named by their towns (a visitor's page may span towns)
    towns = {p.town_id for p in rows}
    prefetch_related_objects(
        rows, Prefetch("photos", queryset=PostPhoto.objects.filter(town_id__in=towns))
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return FeedPage(rows, _encode_cursor(rows[-1]) if more and rows else None)


def can_moderate(viewer: User, post: Post) -> bool:
    """Staff whose scope covers the author, other than the author."""
    return (
        viewer.is_authenticated
        and viewer.is_community_staff
        and viewer.pk != post.author_id
        and covers(viewer, post.author)
    )


def post_for_viewer(viewer: User | None, post_id: int) -> Post:
    """The post if ``viewer`` may see it: published ones to anyone of its town (and to
    visitors: a share link is public); others to their author and the staff covering
    the author. A signed-in person of another town gets NotFound.

    Raises: NotFound (missing, or not visible to ``viewer`` — indistinguishable).
    """
    try:
        post = (
            Post.objects.for_viewer(viewer)
            .select_related("author", "section", "community", "claimed_rule")
            .prefetch_related("photos")
            .get(pk=int(post_id))
        )
    except (Post.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if post.is_public:
        return post
    if (
        viewer is not None
        and viewer.is_authenticated
        and (viewer.pk == post.author_id or can_moderate(viewer, post))
    ):
        return post
    raise NotFound()


def visible_comments(post: Post) -> QuerySet[Comment]:
    """``post``'s comments not hidden by staff (read in the post's town)."""
    return (
        Comment.objects.for_town(post.town_id)
        .filter(post=post, is_hidden=False)
        .select_related("author")
    )


def my_posts(user: User) -> QuerySet[Post]:
    return (
        Post.objects.for_town(user.town_id)
        .filter(author=user)
        .select_related("section")
        .order_by("-created_at")
    )


def moderation_queue(actor: User) -> QuerySet[Post]:
    """Pending posts by residents in ``actor``'s scope, oldest first, the actor's own excluded."""
    return (
        Post.objects.for_town(actor.town_id)
        .filter(status=PostStatus.PENDING, author__in=residents_in_scope(actor))
        .exclude(author=actor)
        .select_related("author", "section", "claimed_rule", "community")
        .order_by("created_at", "pk")
    )


def appeal_queue(actor: User) -> QuerySet[Appeal]:
    """Pending appeals in ``actor``'s scope that someone other than ``actor`` decided."""
    return (
        Appeal.objects.for_town(actor.town_id)
        .filter(status=AppealStatus.PENDING, post__author__in=residents_in_scope(actor))
        .exclude(against=actor)
        .select_related("post", "post__author", "against")
        .order_by("created_at", "pk")
    )


def appeal_for_staff(actor: User, appeal_id: int) -> Appeal:
    """One appeal (any status) for a staff member whose scope covers the post's author —
    the appeal page and its decision. Ids are sequential: an appeal outside the actor's
    scope is indistinguishable from a missing one.

    Raises: NotFound (missing, ``actor`` is not staff, or the author is outside scope).
    """
    try:
        appeal = (
            Appeal.objects.for_town(actor.town_id)
            .select_related("post__author", "against")
            .get(pk=int(appeal_id))
        )
    except (Appeal.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not (
        actor.is_authenticated and actor.is_community_staff and covers(actor, appeal.post.author)
    ):
        raise NotFound()
    return appeal


def liked(user: User, post: Post) -> bool:
    return (
        user.is_authenticated
        and Like.objects.for_town(post.town_id).filter(post=post, user=user).exists()
    )


def search(viewer: User, wanted: Sequence[str], *, limit: int = 200) -> list[Post]:
    """Published posts of ``viewer``'s town whose title or text hold every term of
    ``wanted`` (``core.search.query_terms``), newest first, at most ``limit``.

    Only approved posts: pending, rejected and taken-down ones are never found,
    not even by their author or staff (search shows what the square shows).
    """
    qs = Post.objects.public().for_town(town_of(viewer))
    qs = matching(qs, "search_doc", wanted).select_related("section", "community")
    return list(qs.order_by("-published_at", "-pk")[:limit])
