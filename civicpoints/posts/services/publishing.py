"""Publishing posts: the default sections, create, edit, photos, published reports."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Role, Town, User
from civicpoints.accounts.scope import town_of
from civicpoints.core.errors import InvalidInput, NotFound, OutOfScope
from civicpoints.core.imaging import PreparedPhoto, photo_prepare
from civicpoints.core.photos import photos_process
from civicpoints.core.search import document as search_document
from civicpoints.integrity import services as integrity
from civicpoints.points.models import PointRule
from civicpoints.posts.errors import IllegalMove, RuleNotClaimable
from civicpoints.posts.models import (
    BODY_MAX,
    MAX_PHOTOS,
    TITLE_MAX,
    ModerationAction,
    Post,
    PostPhoto,
    PostStatus,
    Section,
)
from civicpoints.posts.services._common import _clean_text, _locked, _log

DEFAULT_SECTIONS = (
    # code, Chinese, English, default award rule, for reports, residents may post
    ("good_deeds", "好人好事", "Good deeds", "good_deed_post", False, True),
    ("neighbour_help", "邻里互助", "Neighbourhood help", None, False, True),
    ("community_news", "社区动态", "Community news", None, False, True),
    ("uncivil_reports", "不文明曝光", "Uncivil-behaviour reports", None, True, False),
)


def sections_ensure_defaults(town_id: int | None = None) -> list[Section]:
    """Create the four default sections in town ``town_id`` if missing (idempotent);
    returns them in order. Without a town: in every town (a list of each town's four,
    town by town). Subscribed to ``accounts.hooks.town_created``: a new town starts
    with them."""
    from civicpoints.accounts.models import Town

    if town_id is None:
        return [
            s
            for pk in Town.objects.order_by("pk").values_list("pk", flat=True)
            for s in sections_ensure_defaults(pk)
        ]
    out = []
    for order, (code, zh, en, rule_code, for_reports, open_) in enumerate(DEFAULT_SECTIONS):
        section, _created = Section.objects.get_or_create(
            town_id=town_id,
            code=code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "award_rule_code": rule_code or "",
                "for_reports": for_reports,
                "residents_may_post": open_,
                "sort_order": order,
            },
        )
        out.append(section)
    return out


def town_sections_open(town: Town) -> None:
    """A new town's default sections (subscribed to ``accounts.hooks.town_created``)."""
    sections_ensure_defaults(town.pk)


def _claimable_rule(code: str | None, town_id: int) -> PointRule | None:
    """The claimable rule ``code`` of town ``town_id``'s catalog, in force today."""
    if not code:
        return None
    rule = (
        PointRule.objects.for_town(town_id)
        .in_force()
        .filter(code=str(code), claimable=True)
        .first()
    )
    if rule is None:
        raise RuleNotClaimable(field="claimed_rule")
    return rule


def _process_photos(uploads: Sequence, *, already: int = 0) -> list[PreparedPhoto]:
    """Check, blur and fingerprint every photo before anything is written, so a refused
    one leaves nothing behind (and the slow image work stays out of the transaction);
    the decoding work of one request is bounded (``core.photos.photos_process``)."""
    if already + len(uploads) > MAX_PHOTOS:
        raise InvalidInput(
            _("At most %(n)d photos per post.") % {"n": MAX_PHOTOS},
            field="photos",
            code="too_many_photos",
        )
    return [photo_prepare(p) for p in photos_process(uploads)]


def _save_photos(post: Post, photos: Sequence[PreparedPhoto], *, start: int = 0) -> None:
    """Store the photos and hand their fingerprints to the integrity check (near repeats
    of any earlier photo of the town flag the post; its award then waits)."""
    checked = []
    for i, prep in enumerate(photos, start=start):
        p, pub = prep.processed, prep.public
        assert p.photo.name and p.thumbnail.name  # photo_process names both files
        assert pub.photo.name and pub.thumbnail.name  # and public_rendition its two
        row = PostPhoto(post=post, position=i, blurred=[r.as_dict() for r in pub.regions])
        row.image.save(p.photo.name, p.photo, save=False)
        row.thumbnail.save(p.thumbnail.name, p.thumbnail, save=False)
        row.public_image.save(pub.photo.name, pub.photo, save=False)
        row.public_thumbnail.save(pub.thumbnail.name, pub.thumbnail, save=False)
        row.save()
        checked.append((prep.fingerprint, row.thumbnail.name or ""))
    integrity.photos_check(
        subject=post,
        uploader=post.author,
        community_id=post.community_id,
        subject_url=reverse("posts:detail", args=[post.pk]),
        photos=checked,
    )


def post_create(
    *,
    author: User,
    section: Section,
    title: str,
    body: str,
    photos: Sequence = (),
    claimed_rule_code: str | None = None,
) -> Post:
    """A new post, pending review (invariant 6).

    Args:
        author: any signed-in person of a town; their community is recorded.
        section: an active section open to the author (staff may post anywhere).
        title: ≤ 80 characters; body: ≤ 5,000 characters (plain text, never rendered as markup).
        photos: up to 9 uploaded files (see ``posts.photos``).
        claimed_rule_code: a claimable rule the author believes applies; photos are the evidence.

    Returns: the saved Post (status ``pending``).

    Raises: InvalidInput (fields ``title``, ``body``, ``section``, ``photos``),
        PhotoRefused, RuleNotClaimable.
    """
    title = _clean_text(title, field="title", max_len=TITLE_MAX)
    body = _clean_text(body, field="body", max_len=BODY_MAX)
    if section.town_id != town_of(author):  # each town has its own sections
        raise InvalidInput(_("No such choice."), field="section", code="invalid_choice")
    if not section.is_active or (not section.residents_may_post and not author.is_community_staff):
        raise InvalidInput(_("You cannot post in this section."), field="section", code="closed")
    if author.role == Role.MERCHANT_STAFF:
        raise OutOfScope(_("Merchant accounts cannot post."), code="residents_only")
    rule = _claimable_rule(claimed_rule_code, town_of(author))
    processed = _process_photos(photos)
    with transaction.atomic():
        post = Post.objects.create(
            town_id=town_of(author),
            community_id=author.community_id,
            author=author,
            section=section,
            title=title,
            body=body,
            search_doc=search_document(title, body),
            claimed_rule=rule,
        )
        _save_photos(post, processed)
        _log(post, author, ModerationAction.SUBMITTED)
    return post


def post_edit(
    *,
    author: User,
    post: Post,
    title: str,
    body: str,
    claimed_rule_code: str | None = None,
    add_photos: Sequence = (),
) -> Post:
    """The author edits their post; an approved (or rejected) post goes back to pending.

    Invariant 6: edited content is hidden until it is reviewed again. Points
    already awarded stay until a reviewer rejects or takes the post down.

    Raises: NotFound (not the author), IllegalMove (taken down: appeal instead),
        InvalidInput, PhotoRefused, RuleNotClaimable.
    """
    if post.author_id != author.pk:
        raise NotFound()
    title = _clean_text(title, field="title", max_len=TITLE_MAX)
    body = _clean_text(body, field="body", max_len=BODY_MAX)
    rule = _claimable_rule(claimed_rule_code, post.town_id)
    with transaction.atomic():
        post = _locked(post)
        if post.status == PostStatus.TAKEN_DOWN:
            raise IllegalMove(_("A post taken down cannot be edited; appeal instead."))
        processed = _process_photos(add_photos, already=post.photos.count())
        post.title, post.body, post.claimed_rule = title, body, rule
        post.search_doc = search_document(title, body)
        post.status = PostStatus.PENDING
        post.reason = ""
        post.edited_at = timezone.now()
        post.save(
            update_fields=[
                "title",
                "body",
                "search_doc",
                "claimed_rule",
                "status",
                "reason",
                "edited_at",
            ]
        )
        _save_photos(post, processed, start=post.photos.count())
        _log(post, author, ModerationAction.EDITED)
    return post


def post_publish_for_report(
    *, actor: User, title: str, body: str, photo_files: Sequence[dict]
) -> Post:
    """Staff publish a reviewed account of a report in the reports section.

    The post is written by the staff member (the reporter's identity never
    appears), reviewed and approved at once by them — the text is theirs — and
    earns no points. ``photo_files`` are dicts of stored file names (see
    ``post_attach_photo_files``).

    Raises: InvalidInput (``title``, ``body``; no reports section configured).
    """
    title = _clean_text(title, field="title", max_len=TITLE_MAX)
    body = _clean_text(body, field="body", max_len=BODY_MAX)
    section = (
        Section.objects.for_town(town_of(actor))
        .filter(for_reports=True, is_active=True)
        .order_by("sort_order")
        .first()
    )
    if section is None:
        raise InvalidInput(
            _("No section takes published reports."), field="section", code="no_section"
        )
    now = timezone.now()
    post = Post.objects.create(
        town_id=town_of(actor),
        community_id=actor.community_id,
        author=actor,
        section=section,
        title=title,
        body=body,
        search_doc=search_document(title, body),
        status=PostStatus.APPROVED,
        reviewed_by=actor,
        reviewed_at=now,
        published_at=now,
    )
    post_attach_photo_files(post=post, photo_files=photo_files)
    _log(post, actor, ModerationAction.APPROVED)
    return post


def post_attach_photo_files(*, post: Post, photo_files: Sequence[dict]) -> None:
    """Attach stored files to ``post``, up to 9 photos in all.

    Each item: ``{"image", "thumbnail", "public_image", "public_thumbnail"}`` (names
    in storage) and ``"blurred"`` (the regions blurred in the public files).
    """
    start = post.photos.count()
    for i, f in enumerate(photo_files[: max(0, MAX_PHOTOS - start)], start=start):
        PostPhoto.objects.create(
            town_id=post.town_id,
            post=post,
            image=f["image"],
            thumbnail=f["thumbnail"],
            public_image=f.get("public_image", ""),
            public_thumbnail=f.get("public_thumbnail", ""),
            blurred=f.get("blurred", []),
            position=i,
        )
