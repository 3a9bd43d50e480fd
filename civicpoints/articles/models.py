"""Articles staff publish and residents read (each first read earns the reading rule)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import Role
from civicpoints.core.tenancy import TownRow, TownScopedQuerySet


class ArticleQuerySet(TownScopedQuerySet):
    def published(self, at=None):
        """Articles whose publish time has come (a future time is not visible yet)."""
        return self.filter(published_at__isnull=False, published_at__lte=at or timezone.now())

    def for_audience(self, user):
        """Articles addressed to ``user``: their town's, and their own community's.

        Town admins also see every community's articles of their town.
        """
        qs = self.filter(town_id=user.town_id)
        if user.role == Role.TOWN_ADMIN:
            return qs
        return qs.filter(Q(community__isnull=True) | Q(community_id=user.community_id))


class Article(TownRow):
    """A Markdown article; ``body_html`` is its rendered and sanitized form (set by the services).

    Audience: the whole town (``community`` empty) or one community of it.
    ``published_at`` empty is a draft; in the future, it is scheduled.
    """

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        "accounts.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("audience"),
        help_text=_("Empty: the whole town."),
    )
    title = models.CharField(_("title"), max_length=120)
    body_markdown = models.TextField(_("text (Markdown)"))
    body_html = models.TextField(editable=False)
    cover = models.ImageField(
        _("cover image"), upload_to="articles/covers/%Y/%m/", blank=True, db_index=True
    )
    cover_hashes = models.CharField(
        max_length=220,
        blank=True,
        editable=False,
        help_text="core.imaging.Fingerprint.serialize() of the cover, taken on upload (kept "
        "for comparisons; covers are staff-chosen and often reused, so never flagged). "
        "Empty: no cover, or one stored before hashing.",
    )
    published_at = models.DateTimeField(
        _("publish time"),
        null=True,
        blank=True,
        help_text=_("Empty: a draft. A future time: shown from then on."),
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    search_doc = models.TextField(
        default="",
        blank=True,
        editable=False,
        help_text="core.search.document of title and rendered text (set by the services)",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["town", "-published_at"], name="article_town_feed")]

    def __str__(self) -> str:
        return self.title


class ArticleRead(TownRow):
    """A reader opened an article (once per reader: the first time counts)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reads")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("article read")
        verbose_name_plural = _("article reads")
        constraints = [
            models.UniqueConstraint(fields=["town", "article", "reader"], name="article_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.reader_id} → {self.article_id}"
