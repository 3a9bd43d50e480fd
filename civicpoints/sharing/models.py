"""Share links and the readers they bring (issue 15, item 4).

A ``ShareLink`` is one person's link to one post, article or event; its random
``key``, signed (``sharing.services.share_token``), rides in the shared URL as
``?s=…`` — no user id in it. A ``ShareVisit`` is a reader that link brought to the
item for the first time: one per reader and item (whoever's link came first),
never the sharer. The sharer earns ``share_new_reader`` per visit, within the
rule's daily cap.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpoints.core.tenancy import TownRow, TownScopedQuerySet


class ShareTarget(models.TextChoices):
    POST = "post", _("post")
    ARTICLE = "article", _("article")
    EVENT = "event", _("event")


class ShareOutcome(models.TextChoices):
    AWARDED = "awarded", _("points awarded")
    CAP_REACHED = "cap_reached", _("daily limit reached")
    NOT_ELIGIBLE = "not_eligible", _("no points (not a resident, or the rule is off)")


class ShareLink(TownRow):
    """One person's share link to one item (created the first time they are offered it)."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links"
    )
    target = models.CharField(_("shared item"), max_length=8, choices=ShareTarget)
    object_id = models.PositiveBigIntegerField()
    key = models.CharField(max_length=24, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        constraints = [
            models.UniqueConstraint(
                fields=["town", "sharer", "target", "object_id"],
                name="share_link_once_per_person_and_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.object_id} by {self.sharer_id}"


class ShareVisit(TownRow):
    """A reader a share link brought to its item for the first time."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="visits")
    # copied from the link, so that the database can hold "once per reader and item"
    # and "never the sharer" without a join
    sharer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    target = models.CharField(_("shared item"), max_length=8, choices=ShareTarget)
    object_id = models.PositiveBigIntegerField()
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_visits"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=ShareOutcome)
    visited_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("share visit")
        verbose_name_plural = _("share visits")
        constraints = [
            models.UniqueConstraint(
                fields=["town", "target", "object_id", "reader"],
                name="share_visit_once_per_reader_and_item",
            ),
            models.CheckConstraint(
                condition=~Q(reader=F("sharer")), name="share_visit_not_the_sharer"
            ),
        ]
        indexes = [models.Index(fields=["sharer", "visited_at"], name="share_visit_sharer_day")]

    def __str__(self) -> str:
        return f"{self.reader_id} via {self.link_id}"
