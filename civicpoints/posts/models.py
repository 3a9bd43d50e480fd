"""Sections, posts with photos and an optional point claim, moderation, comments, likes, shares.

Invariant 6: nothing is public before review — only ``approved`` posts are
shown to anyone but their author and the staff covering them; editing an
approved post sends it back to ``pending``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicpoints.core.tenancy import TownChild, TownRow, TownScopedQuerySet

TITLE_MAX = 80  # characters
BODY_MAX = 5000  # characters
COMMENT_MAX = 500  # characters
REASON_MAX = 300  # characters
MAX_PHOTOS = 9  # per post, as in a WeChat Moments post


class SectionQuerySet(TownScopedQuerySet):
    pass


class Section(TownRow):
    """A section of the feed (板块), configured by staff in the admin.

    ``award_rule_code``: the rule a post in this section earns on approval when the
    author claimed none (e.g. ``good_deed_post``); empty: no points by default.
    ``for_reports``: the section where published reports of uncivil behaviour appear.
    Each town has its own sections (the defaults are copied into a new town).
    """

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(_("code"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=60)
    award_rule_code = models.SlugField(
        _("default award rule (code)"),
        max_length=48,
        blank=True,
        help_text=_("A rule code of the catalog, e.g. good_deed_post; empty: no points."),
    )
    for_reports = models.BooleanField(_("published reports go here"), default=False)
    residents_may_post = models.BooleanField(_("residents may post here"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    objects = SectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["town", "code"], name="section_town_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def award_rule(self):
        """The default award rule, or None (no code, or no such rule in the catalog)."""
        from civicpoints.points.models import PointRule

        if not self.award_rule_code:
            return None
        return PointRule.objects.for_town(self.town_id).filter(code=self.award_rule_code).first()


class PostStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Published")
    REJECTED = "rejected", _("Rejected")
    TAKEN_DOWN = "taken_down", _("Taken down")


class PostQuerySet(TownScopedQuerySet):
    def public(self):
        """Posts anyone may see: approved."""
        return self.filter(status=PostStatus.APPROVED)


class Post(TownRow):
    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        "accounts.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts",
        help_text=_("The author's community when posting."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="posts")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("text"), max_length=BODY_MAX)
    status = models.CharField(
        _("status"), max_length=12, choices=PostStatus, default=PostStatus.PENDING
    )
    claimed_rule = models.ForeignKey(
        "points.PointRule",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("points claimed"),
    )
    award = models.ForeignKey(
        "points.PointTransaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The award row for this post; reversed when the post is taken down."),
    )
    award_round = models.PositiveIntegerField(
        default=0, help_text=_("Bumped on each reversal so a re-approval may award again.")
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=REASON_MAX, blank=True)
    like_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    share_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    search_doc = models.TextField(
        default="",
        blank=True,
        editable=False,
        help_text="core.search.document of title and text (set by the services)",
    )

    objects = PostQuerySet.as_manager()

    # Set by post_approve on the post it returns: what happened to the points claim.
    award_note: str

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(published_at__isnull=False),
                name="post_approved_has_published_at",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["rejected", "taken_down"]) | ~Q(reason=""),
                name="post_refusal_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="post_feed"),
            models.Index(
                fields=["section", "status", "-published_at", "-id"], name="post_feed_section"
            ),
            models.Index(
                fields=["community", "status", "-published_at", "-id"],
                name="post_feed_community",
            ),
            models.Index(fields=["author", "-created_at"], name="post_by_author"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status == PostStatus.APPROVED


class PostPhoto(TownChild):
    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    town_parent = "post"
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(
        upload_to="posts/%Y/%m/", width_field="width", height_field="height", db_index=True
    )
    thumbnail = models.ImageField(upload_to="posts/%Y/%m/", db_index=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)
    # What the public sees: faces and plates blurred (core.imaging); the original is for staff.
    public_image = models.ImageField(upload_to="posts/%Y/%m/", blank=True)
    public_thumbnail = models.ImageField(upload_to="posts/%Y/%m/", blank=True)
    blurred = models.JSONField(
        default=list, blank=True, help_text="Regions blurred in public: [{kind, x, y, w, h}]"
    )

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.post_id}#{self.position}"

    @property
    def public_url(self) -> str:
        """The blurred photo; a photo stored before blurring existed shows its original
        until ``manage.py photos_blur`` has made its rendition."""
        return (self.public_image or self.image).url

    @property
    def public_thumbnail_url(self) -> str:
        return (self.public_thumbnail or self.thumbnail).url


class ModerationAction(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    EDITED = "edited", _("Edited, back to review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    TAKEN_DOWN = "taken_down", _("Taken down")
    APPEALED = "appealed", _("Appealed")
    APPEAL_UPHELD = "appeal_upheld", _("Appeal upheld")
    APPEAL_DISMISSED = "appeal_dismissed", _("Appeal dismissed")


class ModerationEvent(TownChild):
    """The moderation record of a post: who did what, when, and why."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    town_parent = "post"
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="moderation")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=ModerationAction)
    reason = models.CharField(max_length=REASON_MAX, blank=True)
    at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.post_id} {self.action}"


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class Appeal(TownChild):
    """An author's appeal against a rejection or a take-down: one per post and decision kind.

    ``against`` is the staff member whose decision is appealed; a different
    staff member decides.
    """

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    town_parent = "post"
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="appeals")
    kind = models.CharField(max_length=12, choices=PostStatus)  # rejected / taken_down
    text = models.CharField(_("why the decision is wrong"), max_length=REASON_MAX)
    against = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=AppealStatus, default=AppealStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=REASON_MAX, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.UniqueConstraint(
                fields=["town", "post", "kind"], name="appeal_once_per_post_and_kind"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["rejected", "taken_down"]), name="appeal_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("against")),
                name="appeal_decided_by_someone_else",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} {self.kind} {self.status}"


class Comment(TownChild):
    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    town_parent = "post"
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.CharField(_("comment"), max_length=COMMENT_MAX)
    is_hidden = models.BooleanField(default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(body=""),
                name="comment_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:40]


class Like(TownChild):
    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    town_parent = "post"
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["town", "post", "user"], name="like_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.post_id}"


class Share(TownChild):
    """One person shared the post (counted once per person)."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    town_parent = "post"
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["town", "post", "user"], name="share_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.post_id}"
