"""Love discount cards: the town's threshold, claiming, checking at the counter, suspending."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpoints.accounts.card import resident_from_card
from civicpoints.accounts.models import Role, User
from civicpoints.accounts.scope import resident_for_staff, town_of
from civicpoints.core.errors import Conflict, NotFound
from civicpoints.merchants.errors import CardNotEligible, CardSuspended, invalid
from civicpoints.merchants.models import CardPolicy, CardUse, DiscountCard, Merchant
from civicpoints.merchants.services.alliance import require_merchant_staff, require_town_admin
from civicpoints.merchants.services.vouchers import CounterView
from civicpoints.points.models import PointAccount


def merchant_card_discount_set(*, actor: User, percent: int) -> Merchant:
    """Merchant staff set the percent off they give love discount card holders (0–100)."""
    merchant = require_merchant_staff(actor)
    if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
        raise invalid(_("Enter a whole percent from 0 to 100."), "percent", "invalid_percent")
    with transaction.atomic():
        merchant.card_discount_percent = percent
        merchant.save(update_fields=["card_discount_percent"])
    return merchant


def card_policy_for(town_id: int) -> CardPolicy:
    """The town's card policy (default threshold 1000 lifetime points when never set)."""
    return CardPolicy.objects.filter(town_id=town_id).first() or CardPolicy(town_id=town_id)


def card_policy_set(*, actor: User, threshold_points: int) -> CardPolicy:
    """A town admin sets the lifetime points a resident needs to hold a discount card."""
    require_town_admin(actor)
    if (
        not isinstance(threshold_points, int)
        or isinstance(threshold_points, bool)
        or not 0 < threshold_points <= 10_000_000
    ):
        raise invalid(
            _("Enter a whole number of points above 0."), "threshold_points", "invalid_number"
        )
    with transaction.atomic():
        policy, _created = CardPolicy.objects.update_or_create(
            town_id=town_of(actor),
            defaults={"threshold_points": threshold_points, "updated_by": actor},
        )
    return policy


def discount_card_claim(*, resident: User) -> DiscountCard:
    """Issue ``resident``'s card once their lifetime points reach the town threshold.

    Idempotent: returns the existing card (also a suspended one).
    Raises CardNotEligible (409).
    """
    card = DiscountCard.objects.filter(resident=resident).first()
    if card is not None:
        return card
    account = PointAccount.objects.filter(resident=resident).first()
    earned = account.lifetime_earned if account else 0
    threshold = card_policy_for(town_of(resident)).threshold_points
    if resident.role != Role.RESIDENT or earned < threshold:
        raise CardNotEligible()
    with transaction.atomic():
        card, _created = DiscountCard.objects.get_or_create(
            resident=resident,
            defaults={"town_id": town_of(resident), "issued_at": timezone.now()},
        )
    return card


def discount_card_check(*, actor: User, token: str, idempotency_key: str = "") -> CounterView:
    """Merchant staff check a scanned or typed card, and the check is recorded as a use.

    Writes one ``CardUse`` (merchant, card, resident, the merchant's percent off
    at this moment, who checked, when) in one transaction. ``idempotency_key``
    (8–100 characters, the page form's nonce or the API client's key) makes a
    double submit or a retry record once: the repeat returns the first use with
    ``replayed`` True. An empty key records a new use every call.

    Returns what the counter may see: the holder's nickname, masked mobile, the
    card status and the percent off (0–100), plus ``card_use_id`` and ``used_at``.

    Raises MerchantOnly (403), InvalidInput (``invalid_card``, field ``token``;
    ``invalid``, field ``idempotency_key``), CardNotEligible (409, no card in this
    town), CardSuspended (409). A refused check records nothing.
    """
    merchant = require_merchant_staff(actor)
    key = str(idempotency_key or "") or f"auto-{uuid.uuid4().hex}"
    if not 8 <= len(key) <= 100:
        raise invalid(_("A request key of 8 to 100 characters is required."), "idempotency_key")
    resident = resident_from_card(token)
    card = DiscountCard.objects.filter(resident=resident, town_id=merchant.town_id).first()
    if card is None:
        raise CardNotEligible(_("This resident holds no discount card."), field="token")
    if card.status != DiscountCard.Status.ACTIVE:
        raise CardSuspended(field="token")
    with transaction.atomic():
        use, created = CardUse.objects.get_or_create(
            merchant=merchant,
            idempotency_key=key,
            defaults={
                "town_id": merchant.town_id,
                "card": card,
                "resident": resident,
                "checked_by": actor,
                "discount_percent": merchant.card_discount_percent,
                "used_at": timezone.now(),
            },
        )
        if not created and use.card_id != card.pk:
            raise Conflict(
                _("This request key was already used."),
                field="idempotency_key",
                code="idempotency_key_reused",
            )
    return CounterView(
        nickname=resident.nickname,
        masked_mobile=resident.masked_mobile,
        status=card.status,
        status_label=str(DiscountCard.Status(card.status).label),
        card_discount_percent=use.discount_percent,
        card_use_id=use.pk,
        used_at=use.used_at,
        replayed=not created,
    )


def discount_card_set_status(
    *, actor: User, resident_id: int, status: str, reason: str = ""
) -> DiscountCard:
    """Staff covering the resident suspend (reason required) or reinstate their card.

    Raises OutOfScope / NotFound (scope), NotFound (no card), InvalidInput.
    """
    resident = resident_for_staff(actor, resident_id)
    if status not in DiscountCard.Status.values:
        raise invalid(_("Choose a status."), "status", "invalid_choice")
    reason = (reason or "").strip()[:200]
    if status == DiscountCard.Status.SUSPENDED and not reason:
        raise invalid(_("A suspension needs a reason."), "reason", "reason_required")
    with transaction.atomic():
        card = DiscountCard.objects.select_for_update().filter(resident=resident).first()
        if card is None:
            raise NotFound(_("This resident holds no discount card."), field="resident")
        card.status = status
        card.suspended_reason = reason if status == DiscountCard.Status.SUSPENDED else ""
        card.changed_by = actor
        card.save(update_fields=["status", "suspended_reason", "changed_by"])
    return card
