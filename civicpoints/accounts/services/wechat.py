"""WeChat identities (official account, mini-program) bound to accounts, and the API
tokens the mini-program signs in with."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import ApiToken, CodePurpose, User, WeChatIdentity
from civicpoints.accounts.scope import town_of
from civicpoints.accounts.services.people import CodeInvalid, _code_check, _code_close
from civicpoints.core.errors import Conflict, DomainError, InvalidInput
from civicpoints.core.mobile import normalize_mobile

IDS = ("openid", "mini_openid", "unionid")


class WeChatTaken(Conflict):
    code = "wechat_taken"
    default_detail = _("This WeChat is already bound to another account.")


class WeChatAlreadyBound(Conflict):
    code = "wechat_already_bound"
    default_detail = _(
        "Your account is already bound to another WeChat. Unbind it first in your profile."
    )


class WeChatUnbound(DomainError):
    code = "wechat_unbound"
    status = 403
    default_detail = _(
        "This WeChat is not bound to an account yet. Confirm your mobile number by SMS "
        "code to bind it."
    )


def _ids(**given: str | None) -> dict[str, str]:
    return {k: v for k, v in given.items() if k in IDS and v}


def wechat_identity_bind(
    *,
    mobile: str,
    code: str,
    openid: str | None = None,
    mini_openid: str | None = None,
    unionid: str | None = None,
    actor: User | None = None,
) -> User:
    """Bind WeChat ids to the account of ``mobile``, proven by a ``bind`` SMS code.

    ``actor`` (signed in) may bind only their own number. The ids join the
    account's one identity: an id already held by another account, or an account
    already bound to a different id of the same kind, is refused. Spending the
    code, the binding and the number's confirmation are one transaction.

    Raises: InvalidInput (field ``mobile``: not the actor's own number), CodeInvalid /
    CodeWrong / CodeExpired / CodeExhausted (field ``code``; also for a number with
    no account), WeChatTaken, WeChatAlreadyBound (409).
    """
    ids = _ids(openid=openid, mini_openid=mini_openid, unionid=unionid)
    if not ids:
        raise InvalidInput(_("No WeChat identity to bind."), code="wechat_missing")
    canonical = normalize_mobile(mobile)
    if actor is not None and actor.mobile != canonical:
        raise InvalidInput(
            _("Enter your own mobile number."), field="mobile", code="not_your_mobile"
        )
    code_id = _code_check(mobile=canonical, purpose=CodePurpose.BIND, code=code)
    try:
        with transaction.atomic():
            _code_close(code_id)
            user = User.objects.select_for_update().filter(mobile=canonical, is_active=True).first()
            if user is None:
                raise CodeInvalid(field="code")
            for key, value in ids.items():
                if WeChatIdentity.objects.filter(**{key: value}).exclude(user=user).exists():
                    raise WeChatTaken()
            identity = WeChatIdentity.objects.filter(user=user).first()
            if identity is None:
                identity = WeChatIdentity(user=user, town_id=town_of(user))
            for key, value in ids.items():
                current = getattr(identity, key)
                if current and current != value:
                    raise WeChatAlreadyBound()
                setattr(identity, key, value)
            identity.save()
            if user.mobile_verified_at is None:
                user.mobile_verified_at = timezone.now()
                user.save(update_fields=["mobile_verified_at"])
    except IntegrityError:  # a parallel binding of the same WeChat won
        raise WeChatTaken() from None
    return user


@transaction.atomic
def wechat_identity_unbind(*, user: User) -> bool:
    """Remove ``user``'s WeChat identity and revoke their API tokens (a mini-program
    signed in through it). Returns whether there was one (idempotent)."""
    deleted, _by_model = WeChatIdentity.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return bool(deleted)


@transaction.atomic
def wechat_sign_in(
    *, openid: str | None = None, mini_openid: str | None = None, unionid: str | None = None
) -> User:
    """The active account bound to any of these WeChat ids. An identity found by
    ``unionid`` learns the other ids it did not know yet (same person, other app).

    Raises: WeChatUnbound (403) when no account holds them.
    """
    ids = _ids(openid=openid, mini_openid=mini_openid, unionid=unionid)
    identity = None
    for key, value in ids.items():
        identity = (
            WeChatIdentity.objects.select_for_update()
            .select_related("user")
            .filter(**{key: value})
            .first()
        )
        if identity is not None:
            break
    if identity is None or not identity.user.is_active:
        raise WeChatUnbound()
    missing = [k for k, v in ids.items() if not getattr(identity, k)]
    if missing and "unionid" in ids and identity.unionid == ids["unionid"]:
        for key in missing:
            if not WeChatIdentity.objects.filter(**{key: ids[key]}).exists():
                setattr(identity, key, ids[key])
        identity.save()
    return cast(User, identity.user)


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, user: User) -> tuple[str, ApiToken]:
    """A new bearer token for ``user``, valid ``API_TOKEN_TTL`` seconds (30 days).

    Returns: ``(raw, row)`` — the raw token ``cpt_<town id>_<secret>`` is shown once;
    only its SHA-256 is kept. The town in the token lets every lookup name its town
    (invariant 9; a token of another town's id finds nothing).
    """
    raw = f"cpt_{town_of(user)}_" + secrets.token_urlsafe(32)
    now = timezone.now()
    row = ApiToken.objects.create(
        user=user,
        town_id=town_of(user),
        key_hash=_token_hash(raw),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.API_TOKEN_TTL),
    )
    return raw, row


def _token_town(raw: str) -> int | None:
    """The town id a raw token names (``cpt_<town id>_…``), or None for a malformed one."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != "cpt" or not parts[1].isdigit() or len(parts[1]) > 18:
        return None
    return int(parts[1])


def api_token_revoke(*, raw: str) -> bool:
    """Revoke the token ``raw`` (idempotent). Returns whether a live one was revoked."""
    return bool(
        ApiToken.objects.for_town(_token_town(raw))
        .filter(key_hash=_token_hash(raw), revoked_at__isnull=True)
        .update(revoked_at=timezone.now())
    )


def api_token_user(raw: str) -> User | None:
    """The active user of a live (unexpired, unrevoked) token, or None."""
    town_id = _token_town(raw)
    row = (
        ApiToken.objects.for_town(town_id)
        .select_related("user")
        .filter(
            key_hash=_token_hash(raw),
            user__town_id=town_id,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    return row.user if row is not None and row.user.is_active else None
