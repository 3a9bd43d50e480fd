"""Every change to articles: write, edit, publish, and read (which earns the reading rule).

Staff scope (DESIGN.md invariant 7): community staff and grid workers write for
their own community; town admins for the whole town or any of its communities.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Community, Role, User
from civicpoints.accounts.scope import require_staff, town_of
from civicpoints.articles import selectors
from civicpoints.articles.errors import AudienceOutOfScope, CoverNotAnImage, CoverTooLarge
from civicpoints.articles.models import Article, ArticleRead
from civicpoints.articles.rendering import render_markdown
from civicpoints.core.errors import InvalidInput
from civicpoints.core.imaging import photo_fingerprint
from civicpoints.core.photos import PhotoRefused, photo_process
from civicpoints.core.search import document as search_document
from civicpoints.points.errors import CapReached, RuleNotInForce, UnknownRule
from civicpoints.points.models import PointTransaction
from civicpoints.points.services import points_award, rule_get

READING_RULE = "article_reading"  # DESIGN.md: "reading an article 2" (daily_limit 5 in the catalog)
MAX_BODY_CHARS = 50_000


class ReadOutcome:
    """What opening an article did about points (stable strings, also in the API)."""

    AWARDED = "awarded"  # this request earned the rule's points
    ALREADY_AWARDED = "already_awarded"  # earned before (reload, second tab, replay)
    CAP_REACHED = "cap_reached"  # the rule's daily limit is used up today (local day)
    NOT_ELIGIBLE = "not_eligible"  # not a resident, or the rule is not in force


@dataclass(frozen=True)
class Reading:
    """The result of ``article_read``."""

    article: Article
    read: ArticleRead
    first_read: bool
    outcome: str
    award: PointTransaction | None = None

    @property
    def points_earned(self) -> int:
        """Points this request added (0 unless ``outcome`` is ``awarded``)."""
        if self.award is None or self.outcome != ReadOutcome.AWARDED:
            return 0
        return self.award.points


def _require_audience(actor: User, community: Community | None) -> None:
    require_staff(actor)
    if actor.role == Role.TOWN_ADMIN:
        if community is None or community.town_id == actor.town_id:
            return
    elif community is not None and community.pk == actor.community_id:
        return
    raise AudienceOutOfScope(field="community")


def _clean_text(title: str, body_markdown: str) -> tuple[str, str]:
    title = (title or "").strip()
    body = (body_markdown or "").strip()
    if not title:
        raise InvalidInput(_("An article needs a title."), field="title", code="title_required")
    if len(title) > 120:
        raise InvalidInput(
            _("The title is longer than 120 characters."), field="title", code="title_too_long"
        )
    if not body:
        raise InvalidInput(
            _("An article needs a text."), field="body_markdown", code="body_required"
        )
    if len(body) > MAX_BODY_CHARS:
        raise InvalidInput(
            _("The text is longer than %(n)d characters.") % {"n": MAX_BODY_CHARS},
            field="body_markdown",
            code="body_too_long",
        )
    return title, body


def _check_published_at(published_at: dt.datetime | None) -> None:
    if published_at is not None and timezone.is_naive(published_at):
        raise InvalidInput(
            _("The publish time needs a time zone."), field="published_at", code="naive_time"
        )


def _cover_hashes(cover_file: ContentFile | None) -> str:
    """The cover's perceptual hashes (``core.imaging.photo_fingerprint``, serialized); ""
    without a cover. Slow (tens of ms): call it before the transaction."""
    return photo_fingerprint(cover_file).serialize() if cover_file is not None else ""


def cover_process(cover) -> ContentFile:
    """Check and clean an uploaded cover through the one photo path (``core.photos``).

    At most ``settings.ARTICLE_COVER_MAX_BYTES``; identified by content (JPEG,
    PNG, GIF or WebP); re-encoded from pixels as JPEG — no EXIF (GPS, camera
    serial) survives, and a file that is also HTML or JavaScript keeps only its
    pixels; stored under a random ``<32 hex>.jpg`` name.

    Returns: the JPEG to store.

    Raises: CoverTooLarge (field ``cover``), CoverNotAnImage (field ``cover``:
    not an accepted image, too many pixels, or Pillow cannot read it).
    """
    limit = settings.ARTICLE_COVER_MAX_BYTES
    if cover.size > limit:
        raise CoverTooLarge(
            _("The cover image is larger than %(mb).1f MB.") % {"mb": limit / 1024 / 1024},
            field="cover",
        )
    try:
        return photo_process(cover, field="cover", max_bytes=limit).photo
    except PhotoRefused as exc:
        raise CoverNotAnImage(field="cover") from exc


def article_create(
    *,
    actor: User,
    title: str,
    body_markdown: str,
    community: Community | None = None,
    published_at: dt.datetime | None = None,
    cover=None,
) -> Article:
    """Write an article for the town (``community`` None) or one community.

    Args:
        actor: staff; community staff must pass their own community.
        title: ≤ 120 characters. body_markdown: Markdown, ≤ 50,000 characters;
            stored with its sanitized HTML (``rendering.render_markdown``).
        published_at: aware datetime; None keeps it a draft, a future time
            schedules it.
        cover: an uploaded image file or None (see ``cover_process``).

    Returns: the saved Article.

    Raises: OutOfScope (``staff_only``), AudienceOutOfScope, InvalidInput
        (``title_required``, ``title_too_long``, ``body_required``,
        ``body_too_long``, ``naive_time``), CoverTooLarge, CoverNotAnImage.
    """
    _require_audience(actor, community)
    title, body = _clean_text(title, body_markdown)
    _check_published_at(published_at)
    cover_file = cover_process(cover) if cover else None
    cover_hashes = _cover_hashes(cover_file)
    now = timezone.now()
    with transaction.atomic():
        article = Article(
            town_id=town_of(actor),
            community=community,
            title=title,
            body_markdown=body,
            body_html=render_markdown(body),
            published_at=published_at,
            author=actor,
            created_at=now,
            updated_at=now,
        )
        if cover_file is not None:
            article.cover.save(cover_file.name or "cover.jpg", cover_file, save=False)
            article.cover_hashes = cover_hashes
        article.search_doc = search_document(title, strip_tags(article.body_html))
        article.save(force_insert=True)
        return article


def article_update(
    *,
    actor: User,
    article_id: int,
    title: str,
    body_markdown: str,
    community: Community | None = None,
    published_at: dt.datetime | None = None,
    cover=None,
    remove_cover: bool = False,
) -> Article:
    """Replace an article's text, audience, publish time and (optionally) cover.

    Reads and points already earned stay (the article is the same cause).
    ``cover`` None keeps the current cover unless ``remove_cover``.

    Raises: as ``article_create``, plus ArticleNotFound (404) when the article
        is missing or outside ``actor``'s scope.
    """
    article = selectors.article_for_staff(actor, article_id)
    _require_audience(actor, community)
    title, body = _clean_text(title, body_markdown)
    _check_published_at(published_at)
    cover_file = cover_process(cover) if cover else None
    cover_hashes = _cover_hashes(cover_file)
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        article.title, article.body_markdown = title, body
        article.body_html = render_markdown(body)
        article.search_doc = search_document(title, strip_tags(article.body_html))
        article.community = community
        article.published_at = published_at
        if cover_file is not None:
            article.cover.save(cover_file.name or "cover.jpg", cover_file, save=False)
            article.cover_hashes = cover_hashes
        elif remove_cover:
            article.cover, article.cover_hashes = None, ""
        article.updated_at = timezone.now()
        article.save()
        return article


def article_cover_set(*, actor: User, article_id: int, cover) -> Article:
    """Replace an article's cover image (the API's multipart upload; see ``cover_process``).

    Raises: OutOfScope, ArticleNotFound, CoverTooLarge, CoverNotAnImage.
    """
    article = selectors.article_for_staff(actor, article_id)
    cover_file = cover_process(cover)
    cover_hashes = _cover_hashes(cover_file)
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        article.cover.save(cover_file.name or "cover.jpg", cover_file, save=False)
        article.cover_hashes = cover_hashes
        article.updated_at = timezone.now()
        article.save(update_fields=["cover", "cover_hashes", "updated_at"])
        return article


def article_publish(*, actor: User, article_id: int, at: dt.datetime | None = None) -> Article:
    """Publish an article now (a draft or a scheduled one). Idempotent: already public stays as is.

    Raises: OutOfScope, ArticleNotFound (missing or outside the actor's scope).
    """
    article = selectors.article_for_staff(actor, article_id)
    at = at or timezone.now()
    with transaction.atomic():
        Article.objects.filter(pk=article.pk).exclude(published_at__lte=at).update(
            published_at=at, updated_at=at
        )
    article.refresh_from_db()
    return article


def _record_read(article: Article, reader: User, at: dt.datetime) -> tuple[ArticleRead, bool]:
    """The reader's read row for the article, created on the first call (unique constraint)."""
    existing = ArticleRead.objects.filter(article=article, reader=reader).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            row = ArticleRead.objects.create(
                article=article, reader=reader, town_id=article.town_id, read_at=at
            )
            return row, True
    except IntegrityError:  # a concurrent request (second tab) inserted it first
        return ArticleRead.objects.get(article=article, reader=reader), False


def article_read(*, reader: User, article_id: int, at: dt.datetime | None = None) -> Reading:
    """``reader`` opens an article: the read is recorded and a resident earns the reading rule.

    The award is ``points_award(rule=article_reading, cause=article)``: its
    idempotency key is rule + article + resident, so a reload, a second tab or
    a replayed request earns nothing more (the ledger's unique key and account
    lock settle races). The rule's daily limit counts local days (TIME_ZONE).
    When the cap is reached the read is still recorded; opening the article
    again on a later day earns it then (it was never awarded).

    Args:
        reader: the logged-in user (staff may read too; they earn nothing).
        article_id: the article's id. at: the moment (aware; default now).

    Returns: a ``Reading`` (read row, first_read, outcome, award row or None).

    Raises: ArticleNotFound (404) — missing, unpublished or for another audience.
    """
    at = at or timezone.now()
    article = selectors.article_visible_get(reader, article_id, at=at)
    with transaction.atomic():
        read, first = _record_read(article, reader, at)
        if not (reader.is_resident and reader.is_active):
            return Reading(
                article=article, read=read, first_read=first, outcome=ReadOutcome.NOT_ELIGIBLE
            )
        try:
            row = points_award(
                resident=reader,
                rule=rule_get(READING_RULE, town_id=town_of(reader)),
                cause=article,
                memo=article.title,
                at=at,
            )
        except CapReached:
            return Reading(
                article=article, read=read, first_read=first, outcome=ReadOutcome.CAP_REACHED
            )
        except (UnknownRule, RuleNotInForce):
            return Reading(
                article=article, read=read, first_read=first, outcome=ReadOutcome.NOT_ELIGIBLE
            )
        outcome = ReadOutcome.AWARDED if row.created else ReadOutcome.ALREADY_AWARDED
        return Reading(article=article, read=read, first_read=first, outcome=outcome, award=row)
