"""Reads for articles: the feed with my read marks, one article, the staff list with read counts."""

import datetime as dt
from collections.abc import Sequence

from django.db.models import Count, Exists, OuterRef, QuerySet

from civicpoints.accounts.models import Role, User
from civicpoints.accounts.scope import require_staff, town_of
from civicpoints.articles.errors import ArticleNotFound
from civicpoints.articles.models import Article, ArticleRead
from civicpoints.core.search import matching


def articles_visible(user: User, *, at: dt.datetime | None = None) -> QuerySet[Article]:
    """Published articles addressed to ``user`` (town-wide or their community), newest first.

    Each carries ``read_by_me`` (bool): ``user`` has opened it before.
    ``at``: the moment to judge publish times at (aware; default now).
    """
    mine = ArticleRead.objects.filter(article=OuterRef("pk"), reader_id=user.pk)
    return (
        Article.objects.published(at)
        .for_audience(user)
        .select_related("community")
        .annotate(read_by_me=Exists(mine))
        .order_by("-published_at", "-pk")
    )


def article_visible_get(user: User, article_id, *, at: dt.datetime | None = None) -> Article:
    """One published article addressed to ``user``.

    Raises: ArticleNotFound (404) — missing, not yet published, or for another audience.
    """
    try:
        return articles_visible(user, at=at).get(pk=article_id)
    except (Article.DoesNotExist, ValueError, TypeError):
        raise ArticleNotFound() from None


def articles_for_staff(actor: User) -> QuerySet[Article]:
    """Articles ``actor`` may edit, newest first, each with ``read_count`` (distinct readers).

    Town admins: every article of their town; community staff and grid workers:
    their community's. Raises OutOfScope (code ``staff_only``) for non-staff.
    """
    require_staff(actor)
    qs = Article.objects.filter(town_id=town_of(actor))
    if actor.role != Role.TOWN_ADMIN:
        # other staff always have a community (User's CHECK constraint)
        qs = qs.filter(community_id=actor.community_id) if actor.community_id else qs.none()
    return (
        qs.select_related("community", "author")
        .annotate(read_count=Count("reads"))
        .order_by("-created_at", "-pk")
    )


def article_for_staff(actor: User, article_id) -> Article:
    """One article ``actor`` may edit (with ``read_count``).

    Raises: OutOfScope (not staff); ArticleNotFound — missing or outside the
    actor's scope (indistinguishable: 404).
    """
    try:
        return articles_for_staff(actor).get(pk=article_id)
    except (Article.DoesNotExist, ValueError, TypeError):
        raise ArticleNotFound() from None


def search(user: User, wanted: Sequence[str], *, limit: int = 200) -> list[Article]:
    """Published articles addressed to ``user`` (``articles_visible``: their town's
    town-wide ones and their community's; drafts and scheduled ones never) whose title
    or text hold every term of ``wanted`` (``core.search.query_terms``), newest first,
    at most ``limit``."""
    qs = matching(articles_visible(user), "search_doc", wanted)
    return list(qs[:limit])
