"""Every change to posts: create, edit, moderate, appeal, comment, like, share.

Each service runs in one transaction and locks the post row
(``select_for_update``; on SQLite the IMMEDIATE transaction serializes writers)
before checking its state, so two reviewers clicking at once move a post once.
Points move only through ``points_award`` / ``points_reverse``; an approval
awards under the key ``post-award:<post id>:<round>`` so a repeated approval
awards once, and a take-down reverses that row (invariant 5) and opens the next
round, so a reinstated post may earn again.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpoints.accounts.models import Role, User
from civicpoints.accounts.scope import require_covers, require_staff
from civicpoints.core.errors import InvalidInput, NotFound, OutOfScope
from civicpoints.core.photos import ProcessedPhoto, photo_process
from civicpoints.notifications.models import NotificationKind
from civicpoints.notifications.services import message, notify
from civicpoints.points import services as points
from civicpoints.points.errors import CapReached, NotAResident, RuleNotInForce
from civicpoints.points.models import PointRule, PointTransaction, TransactionKind
from civicpoints.posts.errors import (
    AlreadyAppealed,
    IllegalMove,
    OwnContent,
    RuleNotClaimable,
    SameDecider,
)
from civicpoints.posts.models import (
    BODY_MAX,
    COMMENT_MAX,
    MAX_PHOTOS,
    REASON_MAX,
    TITLE_MAX,
    Appeal,
    AppealStatus,
    Comment,
    Like,
    ModerationAction,
    ModerationEvent,
    Post,
    PostPhoto,
    PostStatus,
    Section,
    Share,
)

DEFAULT_SECTIONS = (
    # code, Chinese, English, default award rule, for reports, residents may post
    ("good_deeds", "好人好事", "Good deeds", "good_deed_post", False, True),
    ("neighbour_help", "邻里互助", "Neighbourhood help", None, False, True),
    ("community_news", "社区动态", "Community news", None, False, True),
    ("uncivil_reports", "不文明曝光", "Uncivil-behaviour reports", None, True, False),
)


def sections_ensure_defaults() -> list[Section]:
    """Create the four default sections if missing (idempotent); returns them in order."""
    out = []
    for order, (code, zh, en, rule_code, for_reports, open_) in enumerate(DEFAULT_SECTIONS):
        section, _created = Section.objects.get_or_create(
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


# --- helpers -----------------------------------------------------------------


def _clean_text(value: str, *, field: str, max_len: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("This field is required."), field=field, code="required")
    if len(value) > max_len:
        raise InvalidInput(
            _("At most %(n)d characters.") % {"n": max_len}, field=field, code="too_long"
        )
    return value


def _claimable_rule(code: str | None) -> PointRule | None:
    if not code:
        return None
    rule = PointRule.objects.in_force().filter(code=str(code), claimable=True).first()
    if rule is None:
        raise RuleNotClaimable(field="claimed_rule")
    return rule


def _process_photos(uploads: Sequence, *, already: int = 0) -> list[ProcessedPhoto]:
    """Check every photo before anything is written, so a refused one leaves nothing behind."""
    if already + len(uploads) > MAX_PHOTOS:
        raise InvalidInput(
            _("At most %(n)d photos per post.") % {"n": MAX_PHOTOS},
            field="photos",
            code="too_many_photos",
        )
    return [photo_process(u) for u in uploads]


def _save_photos(post: Post, photos: Sequence[ProcessedPhoto], *, start: int = 0) -> None:
    for i, p in enumerate(photos, start=start):
        row = PostPhoto(post=post, position=i)
        row.image.save(p.photo.name, p.photo, save=False)
        row.thumbnail.save(p.thumbnail.name, p.thumbnail, save=False)
        row.save()


def _locked(post: Post) -> Post:
    return Post.objects.select_for_update().select_related("author", "section").get(pk=post.pk)


def _log(post: Post, actor: User, action: str, reason: str = "") -> None:
    ModerationEvent.objects.create(post=post, actor=actor, action=action, reason=reason)


def _require_reviewer(actor: User, post: Post) -> None:
    """Staff covering the author, and not the author (scope: ``accounts.scope``)."""
    require_staff(actor)
    if actor.pk == post.author_id:
        raise OwnContent(field="post")
    require_covers(actor, post.author)


def _post_url(post: Post) -> str:
    return reverse("posts:detail", args=[post.pk])


def _award(post: Post, rule: PointRule | None, actor: User) -> tuple[PointTransaction | None, str]:
    """Award ``rule`` to the author for this approval round; returns (row, why-not message).

    An approval never fails because of points: a reached cap, a rule out of
    force or a non-resident author approves the post without points, and says so.
    """
    if rule is None:
        return None, ""
    try:
        row = points.points_award(
            resident=post.author,
            rule=rule,
            cause=post,
            idempotency_key=f"post-award:{post.pk}:{post.award_round}",
            actor=actor,
            memo=post.title[:100],
        )
    except (CapReached, RuleNotInForce, NotAResident) as exc:
        return None, str(exc.detail)
    return row, ""


def _restore_or_award(
    post: Post, actor: User, appeal: Appeal
) -> tuple[PointTransaction | None, str]:
    """After an upheld appeal: give back points a wrong decision took, else award as usual.

    A reversed award still counts against the rule's caps (points module), so
    re-awarding the same rule the same day would be refused; the wrongly
    reversed points are restored instead by a staff adjustment of exactly the
    reversed amount, keyed by the appeal (once), and recorded as the post's
    award so a later take-down reverses it again.
    """
    last = (
        PointTransaction.objects.filter(
            cause_type=ContentType.objects.get_for_model(Post), cause_id=str(post.pk)
        )
        .order_by("-pk")
        .first()
    )
    if last is None or last.kind != TransactionKind.REVERSAL:
        return _award(post, post.claimed_rule or post.section.award_rule, actor)
    try:
        row = points.points_adjust(
            actor=actor,
            resident=post.author,
            points=-last.points,
            reason=_("Appeal upheld: %(title)s") % {"title": post.title[:80]},
            idempotency_key=f"post-restore:{post.pk}:{appeal.pk}",
        )
    except NotAResident as exc:
        return None, str(exc.detail)
    return row, ""


def _take_back(post: Post, actor: User, reason: str) -> None:
    """Reverse the post's award, if any (a compensating row), and open the next award round.

    Raises InsufficientPoints when the author has spent them already; nothing is
    written then (staff settle it with an adjustment first).
    """
    if post.award_id is None:
        return
    points.points_reverse(original=post.award, actor=actor, memo=reason, cause=post)
    post.award = None
    post.award_round += 1


# --- authors -------------------------------------------------------------------


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
    if not section.is_active or (not section.residents_may_post and not author.is_community_staff):
        raise InvalidInput(_("You cannot post in this section."), field="section", code="closed")
    if author.role == Role.MERCHANT_STAFF:
        raise OutOfScope(_("Merchant accounts cannot post."), code="residents_only")
    rule = _claimable_rule(claimed_rule_code)
    processed = _process_photos(photos)
    with transaction.atomic():
        post = Post.objects.create(
            town_id=author.town_id,
            community_id=author.community_id,
            author=author,
            section=section,
            title=title,
            body=body,
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
    rule = _claimable_rule(claimed_rule_code)
    with transaction.atomic():
        post = _locked(post)
        if post.status == PostStatus.TAKEN_DOWN:
            raise IllegalMove(_("A post taken down cannot be edited; appeal instead."))
        processed = _process_photos(add_photos, already=post.photos.count())
        post.title, post.body, post.claimed_rule = title, body, rule
        post.status = PostStatus.PENDING
        post.reason = ""
        post.edited_at = timezone.now()
        post.save(update_fields=["title", "body", "claimed_rule", "status", "reason", "edited_at"])
        _save_photos(post, processed, start=post.photos.count())
        _log(post, author, ModerationAction.EDITED)
    return post


# --- moderation ------------------------------------------------------------------


def post_approve(
    *,
    actor: User,
    post: Post,
    rule_code: str | None = None,
    no_points: bool = False,
) -> Post:
    """Publish a pending post and award the matching rule to the author, once.

    The rule is ``rule_code`` when the reviewer picks one (it must be claimable
    or the section's default), else the author's claim, else the section's
    default rule; ``no_points`` awards nothing. A post approved before (then
    edited) keeps its existing award and gets no second one.

    Returns: the post (``post.award`` the ledger row or None; ``post.award_note``
        says why no points were given, e.g. a cap reached).

    Raises: OutOfScope / OwnContent (scope), IllegalMove (not pending),
        RuleNotClaimable, UnknownRule.
    """
    _require_reviewer(actor, post)
    with transaction.atomic():
        post = _locked(post)
        if post.status != PostStatus.PENDING:
            raise IllegalMove()
        rule = None
        if not no_points:
            if rule_code:
                rule = points.rule_get(rule_code)
                if not rule.claimable and rule.code != post.section.award_rule_code:
                    raise RuleNotClaimable(field="rule")
            else:
                rule = post.claimed_rule or post.section.award_rule
        note = ""
        if post.award_id is None:
            post.award, note = _award(post, rule, actor)
        now = timezone.now()
        post.status = PostStatus.APPROVED
        post.reason = ""
        post.reviewed_by, post.reviewed_at, post.published_at = actor, now, now
        post.save(
            update_fields=[
                "status",
                "reason",
                "reviewed_by",
                "reviewed_at",
                "published_at",
                "award",
            ]
        )
        _log(post, actor, ModerationAction.APPROVED, note)
        notify(
            recipient=post.author,
            kind=NotificationKind.POST_APPROVED,
            title=message(gettext_lazy("Your post is published: %(title)s"), title=post.title),
            body=note,
            url=_post_url(post),
        )
    post.award_note = note
    return post


def _refuse(*, actor: User, post: Post, reason: str, to: str, allowed: tuple) -> Post:
    reason = _clean_text(reason, field="reason", max_len=REASON_MAX)
    _require_reviewer(actor, post)
    with transaction.atomic():
        post = _locked(post)
        if post.status not in allowed:
            raise IllegalMove()
        _take_back(post, actor, reason)
        post.status, post.reason = to, reason
        post.reviewed_by, post.reviewed_at = actor, timezone.now()
        post.save(
            update_fields=["status", "reason", "reviewed_by", "reviewed_at", "award", "award_round"]
        )
        _log(post, actor, to, reason)
        template = (
            gettext_lazy("Your post was rejected: %(title)s")
            if to == PostStatus.REJECTED
            else gettext_lazy("Your post was taken down: %(title)s")
        )
        notify(
            recipient=post.author,
            kind=NotificationKind.POST_REJECTED,
            title=message(template, title=post.title),
            body=reason,
            url=_post_url(post),
        )
    return post


def post_reject(*, actor: User, post: Post, reason: str) -> Post:
    """Reject a pending post with a reason the author sees (≤ 300 characters).

    Points awarded in an earlier approval of this post (before an edit) are reversed.

    Raises: InvalidInput (``reason`` empty), OutOfScope / OwnContent, IllegalMove
        (not pending), InsufficientPoints (the reversal; nothing written).
    """
    return _refuse(
        actor=actor, post=post, reason=reason, to=PostStatus.REJECTED, allowed=(PostStatus.PENDING,)
    )


def post_take_down(*, actor: User, post: Post, reason: str) -> Post:
    """Take a published post down; its award is reversed by a compensating row (invariant 5).

    Raises: InvalidInput (``reason``), OutOfScope / OwnContent, IllegalMove (not
        approved), InsufficientPoints (the author spent the points; nothing is
        written — settle with an adjustment first).
    """
    return _refuse(
        actor=actor,
        post=post,
        reason=reason,
        to=PostStatus.TAKEN_DOWN,
        allowed=(PostStatus.APPROVED,),
    )


def post_appeal(*, author: User, post: Post, text: str) -> Appeal:
    """The author appeals the post's rejection or take-down — once per kind of decision.

    Raises: NotFound (not the author), IllegalMove (post neither rejected nor taken
        down), AlreadyAppealed, InvalidInput (``text``).
    """
    if post.author_id != author.pk:
        raise NotFound()
    text = _clean_text(text, field="text", max_len=REASON_MAX)
    with transaction.atomic():
        post = _locked(post)
        if post.status not in (PostStatus.REJECTED, PostStatus.TAKEN_DOWN):
            raise IllegalMove()
        if Appeal.objects.filter(post=post, kind=post.status).exists():
            raise AlreadyAppealed()
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(
                    post=post, kind=post.status, text=text, against_id=post.reviewed_by_id
                )
        except IntegrityError:
            raise AlreadyAppealed() from None
        _log(post, author, ModerationAction.APPEALED, text)
    return appeal


def appeal_decide(*, actor: User, appeal: Appeal, uphold: bool, reason: str = "") -> Appeal:
    """A staff member other than the one appealed against decides an appeal.

    Upheld: the post is published again; points a wrong decision reversed are
    restored (an adjustment of exactly that amount), otherwise the claim or the
    section's rule is awarded. Dismissed: the
    decision stands, with ``reason`` (required) told to the author.

    Raises: SameDecider, OwnContent, OutOfScope, IllegalMove (decided already),
        InvalidInput (``reason`` missing on a dismissal).
    """
    reason = _clean_text(reason, field="reason", max_len=REASON_MAX, required=not uphold)
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        post = _locked(appeal.post)
        if actor.pk == appeal.against_id:
            raise SameDecider()
        _require_reviewer(actor, post)
        if appeal.status != AppealStatus.PENDING or post.status != appeal.kind:
            raise IllegalMove()
        now = timezone.now()
        appeal.status = AppealStatus.UPHELD if uphold else AppealStatus.DISMISSED
        appeal.decided_by, appeal.decided_at, appeal.decision_reason = actor, now, reason
        appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        note = ""
        if uphold:
            if post.award_id is None:
                post.award, note = _restore_or_award(post, actor, appeal)
            post.status, post.reason = PostStatus.APPROVED, ""
            post.reviewed_by, post.reviewed_at, post.published_at = actor, now, now
            post.save(
                update_fields=[
                    "status",
                    "reason",
                    "reviewed_by",
                    "reviewed_at",
                    "published_at",
                    "award",
                ]
            )
        _log(
            post,
            actor,
            ModerationAction.APPEAL_UPHELD if uphold else ModerationAction.APPEAL_DISMISSED,
            reason or note,
        )
        notify(
            recipient=post.author,
            kind=NotificationKind.POST_APPROVED if uphold else NotificationKind.POST_REJECTED,
            title=message(
                gettext_lazy("Your appeal was upheld: %(title)s")
                if uphold
                else gettext_lazy("Your appeal was dismissed: %(title)s"),
                title=post.title,
            ),
            body=reason or note,
            url=_post_url(post),
        )
    return appeal


# --- neighbours --------------------------------------------------------------------


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


# --- published reports (called by ``reports.services``) ---------------------------


def post_publish_for_report(
    *, actor: User, title: str, body: str, photo_files: Sequence[tuple[str, str]]
) -> Post:
    """Staff publish a reviewed account of a report in the reports section.

    The post is written by the staff member (the reporter's identity never
    appears), reviewed and approved at once by them — the text is theirs — and
    earns no points. ``photo_files`` are (photo, thumbnail) names already in storage.

    Raises: InvalidInput (``title``, ``body``; no reports section configured).
    """
    title = _clean_text(title, field="title", max_len=TITLE_MAX)
    body = _clean_text(body, field="body", max_len=BODY_MAX)
    section = (
        Section.objects.filter(for_reports=True, is_active=True).order_by("sort_order").first()
    )
    if section is None:
        raise InvalidInput(
            _("No section takes published reports."), field="section", code="no_section"
        )
    now = timezone.now()
    post = Post.objects.create(
        town_id=actor.town_id,
        community_id=actor.community_id,
        author=actor,
        section=section,
        title=title,
        body=body,
        status=PostStatus.APPROVED,
        reviewed_by=actor,
        reviewed_at=now,
        published_at=now,
    )
    post_attach_photo_files(post=post, photo_files=photo_files)
    _log(post, actor, ModerationAction.APPROVED)
    return post


def post_attach_photo_files(*, post: Post, photo_files: Sequence[tuple[str, str]]) -> None:
    """Attach stored (photo, thumbnail) files to ``post``, up to 9 photos in all."""
    start = post.photos.count()
    for i, (image, thumb) in enumerate(photo_files[: max(0, MAX_PHOTOS - start)], start=start):
        PostPhoto.objects.create(post=post, image=image, thumbnail=thumb, position=i)
