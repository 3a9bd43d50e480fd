"""A resident's rights over their personal data (PIPL, 个人信息保护法 arts. 45 and 47):
a copy of everything we hold about them, and closing the account.

Closing keeps the points ledger (append-only, and the town's totals and rankings
are built on it) under a pseudonym; the person behind it is no longer findable.
"""

import contextlib
import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.locks import lock_person
from civicpoints.accounts.models import CodePurpose, Role, User, WeChatIdentity
from civicpoints.accounts.passwords import password_recheck
from civicpoints.accounts.services import (
    own_code_check,
    own_code_close,
    own_code_send,
    wechat_identity_unbind,
)
from civicpoints.core.errors import DomainError, InvalidInput, OutOfScope

# Closed accounts get the mobile "10" + the id in 9 digits: it satisfies the
# user_mobile_canonical CHECK (starts with 1, 11 characters) and is unique, yet
# no real mainland number starts with 10, so normalize_mobile refuses it and
# nobody can log in or register with it.
CLOSED_MOBILE_PREFIX = "10"
# Stored data, not interface text: the town's language, like the rest of the data.
CLOSED_NICKNAME_PREFIX = "已注销居民#"


class WrongPassword(InvalidInput):
    code = "wrong_password"
    default_detail = _("The password is not right.")


def closed_mobile(user_id: int) -> str:
    """The placeholder mobile of closed account ``user_id`` (11 characters)."""
    return f"{CLOSED_MOBILE_PREFIX}{user_id:09d}"


def closed_nickname(user_id: int) -> str:
    """``已注销居民#`` + 8 hex characters of an HMAC of the id (keyed by SECRET_KEY):
    stable, distinct per account, and not the id itself."""
    digest = hmac.new(settings.SECRET_KEY.encode(), str(user_id).encode(), hashlib.sha256)
    return f"{CLOSED_NICKNAME_PREFIX}{digest.hexdigest()[:8]}"


def is_closed(user: User) -> bool:
    return user.mobile.startswith(CLOSED_MOBILE_PREFIX)


def _iso(value):
    """An aware time in the town's time zone (``+08:00``), as residents read their clock."""
    return timezone.localtime(value).isoformat() if value is not None else None


def resident_data_export(*, user: User) -> dict:
    """Everything the platform holds about ``user``, as a JSON-ready dict.

    Sections: ``profile``, ``points`` (balance, lifetime earned, every ledger row),
    ``posts``, ``comments``, ``likes``, ``shares``, ``reports``, ``event_signups``,
    ``vouchers``, ``discount_card``, ``notifications``, ``message_settings``,
    ``articles_read``. Points are whole points, money integer fen, times ISO 8601
    in the town's time zone (with its offset, e.g. ``+08:00``), dates local.
    Reads only; any signed-in person may export their own data.
    """
    from civicpoints.articles.models import ArticleRead
    from civicpoints.events.models import SignUp
    from civicpoints.merchants.models import DiscountCard, Voucher
    from civicpoints.notifications.models import Notification, NotificationPreference
    from civicpoints.points.models import PointAccount, PointTransaction
    from civicpoints.posts.models import Comment, Like, Post, Share
    from civicpoints.reports.models import Report
    from civicpoints.sharing.models import ShareLink, ShareVisit

    account = PointAccount.objects.filter(resident=user).first()
    card = DiscountCard.objects.filter(resident=user).first()
    return {
        "generated_at": _iso(timezone.now()),
        "profile": {
            "id": user.pk,
            "mobile": user.mobile,
            "nickname": user.nickname,
            "real_name": user.real_name,
            "role": user.role,
            "town": str(user.town),
            "community": str(user.community) if user.community_id else None,
            "grid": user.grid.name if user.grid else None,
            "household": user.household.name if user.household else None,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "points": {
            "balance": account.balance if account else 0,
            "lifetime_earned": account.lifetime_earned if account else 0,
            "transactions": [
                {
                    "id": t.pk,
                    "kind": t.kind,
                    "points": t.points,
                    "balance_after": t.balance_after,
                    "rule": t.rule.code if t.rule else None,
                    "memo": t.memo,
                    "created_at": _iso(t.created_at),
                    "local_date": t.local_date.isoformat(),
                }
                for t in PointTransaction.objects.filter(resident=user)
                .select_related("rule")
                .order_by("pk")
            ],
        },
        "posts": [
            {
                "id": p.pk,
                "title": p.title,
                "body": p.body,
                "status": p.status,
                "created_at": _iso(p.created_at),
                "photos": [ph.image.name for ph in p.photos.all()],
            }
            for p in Post.objects.filter(author=user).prefetch_related("photos").order_by("pk")
        ],
        "comments": [
            {"id": c.pk, "post": c.post_id, "body": c.body, "created_at": _iso(c.created_at)}
            for c in Comment.objects.filter(author=user).order_by("pk")
        ],
        "likes": [
            {"post": lk.post_id, "created_at": _iso(lk.created_at)}
            for lk in Like.objects.filter(user=user).order_by("pk")
        ],
        "shares": [
            {"post": s.post_id, "created_at": _iso(s.created_at)}
            for s in Share.objects.filter(user=user).order_by("pk")
        ],
        "reports": [
            {
                "id": r.pk,
                "category": str(r.category),
                "place": r.place,
                "body": r.body,
                "status": r.status,
                "created_at": _iso(r.created_at),
                "photos": [ph.image.name for ph in r.photos.all()],
            }
            for r in Report.objects.filter(reporter=user)
            .select_related("category")
            .prefetch_related("photos")
            .order_by("pk")
        ],
        "event_signups": [
            {
                "event": s.event_id,
                "event_title": s.event.title,
                "status": s.status,
                "outcome": s.outcome,
                "signed_up_at": _iso(s.signed_up_at),
                "checked_in_at": _iso(s.checked_in_at),
                "checked_out_at": _iso(s.checked_out_at),
                "points_awarded": s.points_awarded,
            }
            for s in SignUp.objects.filter(resident=user).select_related("event").order_by("pk")
        ],
        "vouchers": [
            {
                "id": v.pk,
                "merchant": v.merchant.name,
                "offer": v.offer.title,
                "status": v.status,
                "points": v.points,
                "discount_fen": v.discount_fen,
                "issued_at": _iso(v.issued_at),
                "redeemed_at": _iso(v.redeemed_at),
                "expires_on": v.expires_on.isoformat() if v.expires_on else None,
            }
            for v in Voucher.objects.filter(resident=user)
            .select_related("merchant", "offer")
            .order_by("pk")
        ],
        "discount_card": (
            {"status": card.status, "issued_at": _iso(card.issued_at)} if card else None
        ),
        "notifications": [
            {
                "kind": n.kind,
                "title": n.title,
                "body": n.body,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in Notification.objects.filter(recipient=user).order_by("pk")
        ],
        "message_settings": [
            {"kind": p.kind, "sms": p.sms, "wechat": p.wechat}
            for p in NotificationPreference.objects.filter(user=user).order_by("kind")
        ],
        "articles_read": [
            {"article": r.article_id, "read_at": _iso(r.read_at)}
            for r in ArticleRead.objects.filter(reader=user).order_by("pk")
        ],
        "share_links": [
            {"target": str(k.target), "item": k.object_id, "created_at": _iso(k.created_at)}
            for k in ShareLink.objects.filter(sharer=user).order_by("pk")
        ],
        "share_visits": [
            {"target": str(v.target), "item": v.object_id, "visited_at": _iso(v.visited_at)}
            for v in ShareVisit.objects.filter(reader=user).order_by("pk")
        ],
        "wechat": [
            {
                "openid": w.openid,
                "mini_openid": w.mini_openid,
                "unionid": w.unionid,
                "bound_at": _iso(w.bound_at),
            }
            for w in WeChatIdentity.objects.filter(user=user)
        ],
        "mobile_verified_at": _iso(user.mobile_verified_at),
    }


def account_close_code_send(*, user: User, ip: str | None = None) -> None:
    """Text a ``close`` code to the resident ``user``'s own number (5 minutes, 5 tries;
    the limits of ``accounts.services.verification_code_send``).

    Raises: OutOfScope(code="resident_only"); RateLimited (429, field ``mobile``);
    SMSError subclasses (gateway down: told, the number is the person's own).
    """
    if user.role != Role.RESIDENT or is_closed(user):
        raise OutOfScope(
            _("Staff and merchant accounts are closed by a town admin."), code="resident_only"
        )
    own_code_send(user=user, purpose=CodePurpose.CLOSE, ip=ip)


class ProofMissing(InvalidInput):
    code = "proof_missing"
    default_detail = _("Enter your password, or a code texted to your mobile number.")


def account_close(*, user: User, password: str = "", code: str = "") -> User:
    """Close the resident ``user``'s own account, after checking ``password`` — or, for
    a resident who signs in only by SMS code or WeChat and has no password, ``code``:
    a ``close`` code texted to their own number (``accounts.services.own_code_send``).

    In one transaction: unused vouchers are cancelled (points come back through
    ``voucher_cancel``), sign-ups to events not yet started are cancelled
    (``event_sign_up_cancel``; one it refuses, e.g. too late, stays); the inbox
    is emptied, the WeChat unbound and API tokens revoked; then the profile is
    anonymized — nickname ``已注销居民#<hash>``,
    mobile the unusable placeholder ``closed_mobile(id)``, real name cleared,
    password unusable, inactive (every session ends). The ledger, balance, posts,
    comments and reports stay, shown under the pseudonym, so balances, rankings
    and ``reconcile_points`` are unchanged. Idempotent: closing a closed account
    returns it.

    Raises:
        OutOfScope(code="resident_only"): staff and merchant accounts are closed
            by a town admin, not here.
        ProofMissing(field="password"): neither a password nor a code given.
        WrongPassword(field="password"); CodeInvalid / CodeWrong / CodeExpired /
            CodeExhausted (422, field ``code``).
        TooManyPasswordAttempts (429, field ``password``): too many wrong passwords
            lately (``accounts.passwords``).
    """
    from civicpoints.events.models import SignUp, SignUpStatus
    from civicpoints.events.services import event_sign_up_cancel
    from civicpoints.merchants.errors import VoucherNotUsable
    from civicpoints.merchants.models import Voucher
    from civicpoints.merchants.services import voucher_cancel
    from civicpoints.notifications.models import Notification

    if user.role != Role.RESIDENT:
        raise OutOfScope(
            _("Staff and merchant accounts are closed by a town admin."), code="resident_only"
        )
    if is_closed(user):
        return user
    code_id = None
    if code:
        # a wrong try is counted here, outside the transaction below
        code_id = own_code_check(user=user, purpose=CodePurpose.CLOSE, code=code)
    elif not password:
        raise ProofMissing(field="password")
    elif not password_recheck(user=user, password=password, field="password"):
        raise WrongPassword(field="password")
    with transaction.atomic():
        if code_id is not None:
            own_code_close(code_id)  # a parallel request spending it too loses
        # Lock order (docs/CONVENTIONS.md): the person first, then offers and
        # vouchers (voucher_cancel), events and sign-ups (event_sign_up_cancel),
        # the points account last. An exchange or sign-up of this person racing
        # the closure waits for it and then finds the account closed.
        user = lock_person(user)
        if is_closed(user):
            return user
        for voucher in Voucher.objects.filter(resident=user, status=Voucher.Status.ISSUED):
            # one redeemed at the counter meanwhile stays redeemed
            with contextlib.suppress(VoucherNotUsable):
                voucher_cancel(resident=user, voucher_id=voucher.pk)
        upcoming = SignUp.objects.filter(
            resident=user,
            status__in=[SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED],
            event__starts_at__gt=timezone.now(),
        ).select_related("event")
        for signup in upcoming:
            # One it refuses (e.g. past the cancel deadline) stays, under the pseudonym.
            with contextlib.suppress(DomainError):
                event_sign_up_cancel(resident=user, event=signup.event)
        Notification.objects.filter(recipient=user).delete()
        # the WeChat goes free (and API tokens die) so the person may bind it again
        wechat_identity_unbind(user=user)
        user.nickname = closed_nickname(user.pk)
        user.mobile = closed_mobile(user.pk)
        user.real_name = ""
        user.set_unusable_password()
        user.is_active = False
        user.save(update_fields=["nickname", "mobile", "real_name", "password", "is_active"])
    return user
