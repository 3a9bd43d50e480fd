"""Moderation: approve, reject, take down, appeals, and the points each decision moves."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpoints.accounts.models import User
from civicpoints.accounts.scope import require_covers, require_staff
from civicpoints.core.errors import NotFound
from civicpoints.integrity import services as integrity
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
    REASON_MAX,
    Appeal,
    AppealStatus,
    ModerationAction,
    Post,
    PostStatus,
)
from civicpoints.posts.services._common import _clean_text, _locked, _log


def _require_reviewer(actor: User, post: Post, *, own_allowed: bool = False) -> None:
    """Staff covering the author, and not the author (scope: ``accounts.scope``).

    ``own_allowed``: the author may act too (taking down a post that staff wrote
    and published themselves, e.g. for a report: removing earns nothing).
    """
    require_staff(actor)
    if actor.pk == post.author_id:
        if own_allowed:
            return
        raise OwnContent(field="post")
    require_covers(actor, post.author)


def _post_url(post: Post) -> str:
    return reverse("posts:detail", args=[post.pk])


def _award(post: Post, rule: PointRule | None, actor: User) -> tuple[PointTransaction | None, str]:
    """Award ``rule`` to the author for this approval round; returns (row, why-not message).

    An approval never fails because of points: a reached cap, a rule out of
    force or a non-resident author approves the post without points, and says so.
    While an integrity flag on the post is open the award is held for the
    staff's decision on it (``integrity.services.award_or_hold``).
    """
    if rule is None:
        return None, ""
    try:
        row = integrity.award_or_hold(
            subject=post,
            resident=post.author,
            rule=rule,
            cause=post,
            idempotency_key=f"post-award:{post.pk}:{post.award_round}",
            actor=actor,
            memo=post.title[:100],
        )
    except (CapReached, RuleNotInForce, NotAResident) as exc:
        return None, str(exc.detail)
    if row is None:
        return None, _("The points wait for a staff decision on an integrity flag.")
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
            discretionary=False,  # exactly what the overturned decision took back
        )
    except NotAResident as exc:
        return None, str(exc.detail)
    return row, ""


def _take_back(post: Post, actor: User, reason: str) -> None:
    """Reverse the post's award, if any (a compensating row), and open the next award round.

    Raises InsufficientPoints when the author has spent them already; nothing is
    written then (staff settle it with an adjustment first).
    """
    integrity.held_awards_withhold(subject=post)
    if post.award is None:
        return
    points.points_reverse(original=post.award, actor=actor, memo=reason, cause=post)
    post.award = None
    post.award_round += 1


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
                rule = points.rule_get(rule_code, town_id=post.town_id)
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


def _refuse(
    *, actor: User, post: Post, reason: str, to: str, allowed: tuple, own_allowed: bool = False
) -> Post:
    reason = _clean_text(reason, field="reason", max_len=REASON_MAX)
    _require_reviewer(actor, post, own_allowed=own_allowed)
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

    A post that staff published themselves in a section for reports (the text is
    theirs, it earned nothing) may be taken down by its author too; any other
    post only by staff covering its author, never by the author.

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
        own_allowed=post.section.for_reports and post.author.is_community_staff,
    )


def post_withdraw_for_report(*, actor: User, post: Post, reason: str) -> Post:
    """Take down the post published for a report whose case decision undid it (rejection).

    The caller (``reports.services``) has checked that ``actor`` may decide the
    case; the post was written and approved by staff at publication, so the
    post's own reviewer rule does not apply. Any award on the post is reversed
    (invariant 5). Idempotent: a post no longer public is left as it is.

    Returns: the post (status ``taken_down``). Raises: InsufficientPoints (the reversal).
    """
    reason = _clean_text(reason, field="reason", max_len=REASON_MAX)
    with transaction.atomic():
        post = _locked(post)
        if post.status != PostStatus.APPROVED:
            return post
        _take_back(post, actor, reason)
        post.status, post.reason = PostStatus.TAKEN_DOWN, reason
        post.reviewed_by, post.reviewed_at = actor, timezone.now()
        post.save(
            update_fields=["status", "reason", "reviewed_by", "reviewed_at", "award", "award_round"]
        )
        _log(post, actor, PostStatus.TAKEN_DOWN, reason)
    return post


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
        if Appeal.objects.for_town(post.town_id).filter(post=post, kind=post.status).exists():
            raise AlreadyAppealed()
        assert post.reviewed_by_id is not None  # set by the rejection or take-down
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(
                    town_id=post.town_id,
                    post=post,
                    kind=post.status,
                    text=text,
                    against_id=post.reviewed_by_id,
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
        appeal = Appeal.objects.for_town(appeal.town_id).select_for_update().get(pk=appeal.pk)
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
