"""Every change in the merchant alliance: onboarding, offers, exchange, redemption, cards.

Lock order, the same everywhere so that two services never wait on each other
in a circle: voucher row → offer row → the town's subsidy budget row → the
resident's point account (taken inside ``points_spend`` / ``points_reverse``).
On SQLite ``select_for_update`` is a no-op, but IMMEDIATE transactions already
serialize writers.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpoints.accounts.card import resident_from_card
from civicpoints.accounts.models import Role, User
from civicpoints.accounts.scope import resident_for_staff
from civicpoints.core.errors import Conflict, NotFound
from civicpoints.core.mobile import normalize_mobile
from civicpoints.core.timeutil import local_date
from civicpoints.merchants.errors import (
    CardNotEligible,
    CardSuspended,
    LimitReached,
    MerchantOnly,
    OfferUnavailable,
    OutOfStock,
    SubsidyExhausted,
    TownAdminOnly,
    VoucherNotFound,
    VoucherNotUsable,
    VoucherOtherMerchant,
    invalid,
)
from civicpoints.merchants.models import (
    CardPolicy,
    DiscountCard,
    Funding,
    Merchant,
    Offer,
    SubsidyBudget,
    Voucher,
)
from civicpoints.notifications.models import NotificationKind
from civicpoints.notifications.services import message, notify
from civicpoints.points.models import PointAccount
from civicpoints.points.services import points_reverse, points_spend

CODE_LENGTH = 16  # base32 characters = 80 random bits
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out at a counter
MAX_FEN = 10_000_000  # 100,000 yuan: larger prices are a typing slip
EXPIRING_NOTICE_DAYS = 3
MAX_CAP_FEN = 10_000_000_000  # 100 million yuan


# --- who may act --------------------------------------------------------------------------


def require_merchant_staff(actor: User) -> Merchant:
    """The approved merchant ``actor`` works for. Raises MerchantOnly (403)."""
    if not (
        actor.is_authenticated
        and actor.is_active
        and actor.role == Role.MERCHANT_STAFF
        and actor.merchant_id
    ):
        raise MerchantOnly()
    merchant = Merchant.objects.get(pk=actor.merchant_id)
    if merchant.status != Merchant.Status.APPROVED:
        raise MerchantOnly()
    return merchant


def require_town_admin(actor: User) -> None:
    """Raises TownAdminOnly (403) unless ``actor`` is an active town admin."""
    if not (actor.is_authenticated and actor.is_active and actor.role == Role.TOWN_ADMIN):
        raise TownAdminOnly()


def merchant_for_admin(actor: User, merchant_id: int) -> Merchant:
    """Merchant ``merchant_id`` of the admin's own town. Raises TownAdminOnly, NotFound."""
    require_town_admin(actor)
    try:
        return Merchant.objects.get(pk=merchant_id, town_id=actor.town_id)
    except (Merchant.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def _fen(value, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > MAX_FEN:
        raise invalid(_("Enter an amount in fen between 0 and 10,000,000."), field, "invalid_fen")
    return value


def _text(value, field: str, max_length: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise invalid(_("This field is required."), field, "required")
    if len(value) > max_length:
        raise invalid(_("At most %(n)d characters.") % {"n": max_length}, field, "too_long")
    return value


# --- onboarding ---------------------------------------------------------------------------


def merchant_apply(
    *, applicant: User, name: str, category: str, address: str, contact_phone: str = ""
) -> Merchant:
    """A shop applies to join the alliance of ``applicant``'s town; it starts ``pending``.

    Returns the new Merchant. Raises InvalidInput (field name/category/address/contact_phone).
    """
    merchant = Merchant(
        town_id=applicant.town_id,
        name=_text(name, "name", 80),
        category=_text(category, "category", 40),
        address=_text(address, "address", 160),
        contact_phone=_text(contact_phone, "contact_phone", 20, required=False),
        applied_by=applicant,
    )
    with transaction.atomic():
        merchant.save(force_insert=True)
    return merchant


def merchant_set_status(*, actor: User, merchant_id: int, status: str) -> Merchant:
    """A town admin approves or suspends a merchant of their town (idempotent).

    Raises TownAdminOnly, NotFound (other town), InvalidInput (field ``status``).
    """
    merchant = merchant_for_admin(actor, merchant_id)
    if status not in (Merchant.Status.APPROVED, Merchant.Status.SUSPENDED):
        raise invalid(_("Choose approve or suspend."), "status", "invalid_choice")
    with transaction.atomic():
        merchant.status = status
        merchant.reviewed_by = actor
        merchant.reviewed_at = timezone.now()
        merchant.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return merchant


def merchant_staff_create(
    *, actor: User, merchant_id: int, mobile: str, nickname: str, password: str
) -> User:
    """A town admin gives an approved merchant a staff login (role merchant_staff).

    Raises TownAdminOnly, NotFound, Conflict(``merchant_not_approved``),
    InvalidInput (mobile, nickname, password), Conflict(``mobile_taken``).
    """
    merchant = merchant_for_admin(actor, merchant_id)
    if merchant.status != Merchant.Status.APPROVED:
        raise Conflict(_("Approve the merchant first."), code="merchant_not_approved")
    canonical = normalize_mobile(mobile)
    nickname = _text(nickname, "nickname", 40)
    try:
        validate_password(password or "")
    except ValidationError as exc:
        raise invalid(" ".join(exc.messages), "password", "weak_password") from None
    try:
        with transaction.atomic():
            return User.objects.create_user(
                canonical,
                password,
                nickname=nickname,
                role=Role.MERCHANT_STAFF,
                town_id=merchant.town_id,
                merchant=merchant,
            )
    except IntegrityError:
        raise Conflict(
            _("This mobile number is already registered."), field="mobile", code="mobile_taken"
        ) from None


def merchant_card_discount_set(*, actor: User, percent: int) -> Merchant:
    """Merchant staff set the percent off they give love discount card holders (0–100)."""
    merchant = require_merchant_staff(actor)
    if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
        raise invalid(_("Enter a whole percent from 0 to 100."), "percent", "invalid_percent")
    with transaction.atomic():
        merchant.card_discount_percent = percent
        merchant.save(update_fields=["card_discount_percent"])
    return merchant


# --- offers -------------------------------------------------------------------------------


def offer_create(
    *,
    actor: User,
    title: str,
    description: str = "",
    price_fen: int,
    discount_fen: int,
    points_cost: int,
    stock: int,
    per_resident_limit: int = 1,
    valid_from: dt.date,
    valid_until: dt.date,
    merchant_id: int | None = None,
    funded_by: str = Funding.MERCHANT,
) -> Offer:
    """Publish an offer: ``discount_fen`` off ``price_fen`` for ``points_cost`` points.

    Merchant staff create offers of their own merchant, funded by the merchant;
    a town admin may create one for ``merchant_id`` of their town and fund it
    from the town subsidy budget (``funded_by="subsidy"``). Dates are local dates.

    Raises MerchantOnly / TownAdminOnly / NotFound, InvalidInput (field at fault).
    """
    if actor.role == Role.TOWN_ADMIN:
        merchant = merchant_for_admin(actor, merchant_id)
    else:
        merchant = require_merchant_staff(actor)
        if funded_by != Funding.MERCHANT:
            raise TownAdminOnly(_("Only the town may fund a discount from its subsidy budget."))
    if funded_by not in Funding.values:
        raise invalid(_("Choose who funds the discount."), "funded_by", "invalid_choice")
    price_fen = _fen(price_fen, "price_fen")
    discount_fen = _fen(discount_fen, "discount_fen")
    if not 0 < discount_fen <= price_fen:
        raise invalid(
            _("The discount must be more than 0 and at most the price."),
            "discount_fen",
            "invalid_discount",
        )
    for field, value, top in (
        ("points_cost", points_cost, 1_000_000),
        ("stock", stock, 1_000_000),
        ("per_resident_limit", per_resident_limit, 100),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= top:
            raise invalid(
                _("Enter a whole number from 1 to %(n)d.") % {"n": top}, field, "invalid_number"
            )
    if not isinstance(valid_from, dt.date) or not isinstance(valid_until, dt.date):
        raise invalid(_("Enter a date."), "valid_from", "invalid_date")
    if valid_until < valid_from:
        raise invalid(_("The end date is before the start date."), "valid_until", "invalid_dates")
    offer = Offer(
        town_id=merchant.town_id,
        merchant=merchant,
        title=_text(title, "title", 80),
        description=_text(description, "description", 300, required=False),
        price_fen=price_fen,
        discount_fen=discount_fen,
        points_cost=points_cost,
        stock=stock,
        per_resident_limit=per_resident_limit,
        valid_from=valid_from,
        valid_until=valid_until,
        funded_by=funded_by,
    )
    with transaction.atomic():
        offer.save(force_insert=True)
    return offer


def offer_set_active(*, actor: User, offer_id: int, is_active: bool) -> Offer:
    """Merchant staff pause or resume their offer (issued vouchers stay valid)."""
    merchant = require_merchant_staff(actor)
    with transaction.atomic():
        offer = Offer.objects.select_for_update().filter(pk=offer_id, merchant=merchant).first()
        if offer is None:
            raise NotFound()
        offer.is_active = bool(is_active)
        offer.save(update_fields=["is_active"])
    return offer


def offer_restock(*, actor: User, offer_id: int, units: int) -> Offer:
    """Merchant staff add ``units`` (1–100,000) to their offer's stock, under the offer lock.

    Raises MerchantOnly, NotFound (not their offer), InvalidInput(field ``units``).
    """
    merchant = require_merchant_staff(actor)
    if not isinstance(units, int) or isinstance(units, bool) or not 0 < units <= 100_000:
        raise invalid(_("Enter a whole number from 1 to %(n)d.") % {"n": 100_000}, "units")
    with transaction.atomic():
        offer = Offer.objects.select_for_update().filter(pk=offer_id, merchant=merchant).first()
        if offer is None:
            raise NotFound()
        offer.stock += units
        offer.save(update_fields=["stock"])
    return offer


def subsidy_budget_set(*, actor: User, cap_fen: int) -> SubsidyBudget:
    """A town admin sets the subsidy cap (fen). Raises InvalidInput(``below_committed``)
    when the cap would be below what vouchers already committed."""
    require_town_admin(actor)
    if not isinstance(cap_fen, int) or isinstance(cap_fen, bool) or not 0 <= cap_fen <= MAX_CAP_FEN:
        raise invalid(_("Enter a cap in fen from 0 to 10,000,000,000."), "cap_fen", "invalid_fen")
    with transaction.atomic():
        SubsidyBudget.objects.get_or_create(town_id=actor.town_id)
        budget = SubsidyBudget.objects.select_for_update().get(town_id=actor.town_id)
        if cap_fen < budget.committed_fen:
            raise invalid(
                _("The cap cannot be below the amount already committed."),
                "cap_fen",
                "below_committed",
            )
        budget.cap_fen = cap_fen
        budget.save(update_fields=["cap_fen", "updated_at"])
    return budget


# --- exchange, cancel, expiry -------------------------------------------------------------


def new_voucher_code() -> str:
    """16 characters from a 32-letter alphabet by ``secrets`` (80 bits): not guessable."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str:
    """A typed or scanned code in canonical form (upper case, no spaces or dashes)."""
    return "".join(ch for ch in str(raw or "").upper() if ch.isalnum())[:32]


def _commit_subsidy(town_id: int, discount_fen: int) -> None:
    """Take ``discount_fen`` from the locked town budget or raise SubsidyExhausted."""
    budget = SubsidyBudget.objects.select_for_update().filter(town_id=town_id).first()
    if budget is None or budget.committed_fen + discount_fen > budget.cap_fen:
        raise SubsidyExhausted(field="offer")
    budget.committed_fen += discount_fen
    budget.save(update_fields=["committed_fen", "updated_at"])


def _release_subsidy(voucher: Voucher) -> None:
    if voucher.funded_by == Funding.SUBSIDY:
        SubsidyBudget.objects.filter(town_id=voucher.town_id).update(
            committed_fen=F("committed_fen") - voucher.discount_fen
        )


def voucher_exchange(*, resident: User, offer_id: int, idempotency_key: str) -> Voucher:
    """Spend ``offer.points_cost`` points for a voucher, in one transaction.

    Locks the offer row (stock and the per-resident limit are checked under it),
    then the town subsidy budget when the town funds the discount, then the
    resident's account (``points_spend``). Any refusal writes nothing.

    Args:
        idempotency_key: 8–100 characters from the client (a form nonce); a repeat
            returns the first voucher with ``voucher.created`` False.

    Returns:
        The Voucher (status ``issued``, ``expires_on`` = the offer's last local date).

    Raises:
        NotFound (no such offer in the resident's town), OfferUnavailable,
        OutOfStock, LimitReached, SubsidyExhausted, InsufficientPoints,
        NotAResident, InvalidInput (field ``idempotency_key``).
    """
    key = str(idempotency_key or "")
    if not 8 <= len(key) <= 100:
        raise invalid(_("A request key of 8 to 100 characters is required."), "idempotency_key")
    if resident.role != Role.RESIDENT or not resident.is_active:
        raise OfferUnavailable(_("Only residents exchange points."), field="resident")
    with transaction.atomic():
        offer = (
            Offer.objects.select_for_update().filter(pk=offer_id, town_id=resident.town_id).first()
        )
        if offer is None:
            raise NotFound(field="offer")
        # checked after the lock: a concurrent repeat of this key has committed by now
        first = Voucher.objects.filter(resident=resident, idempotency_key=key).first()
        if first is not None:
            first.created = False
            return first
        today = local_date()
        if not Offer.objects.available(today).filter(pk=offer.pk).exists():
            raise OfferUnavailable(field="offer")
        if offer.stock < 1:
            raise OutOfStock(field="offer")
        held = Voucher.objects.filter(
            offer=offer,
            resident=resident,
            status__in=[Voucher.Status.ISSUED, Voucher.Status.REDEEMED],
        ).count()
        if held >= offer.per_resident_limit:
            raise LimitReached(field="offer")
        if offer.funded_by == Funding.SUBSIDY:
            _commit_subsidy(offer.town_id, offer.discount_fen)
        now = timezone.now()
        try:
            with transaction.atomic():
                voucher = Voucher.objects.create(
                    town_id=offer.town_id,
                    offer=offer,
                    merchant_id=offer.merchant_id,
                    resident=resident,
                    code=new_voucher_code(),
                    idempotency_key=key,
                    points=offer.points_cost,
                    discount_fen=offer.discount_fen,
                    funded_by=offer.funded_by,
                    expires_on=offer.valid_until,
                    issued_at=now,
                )
        except IntegrityError:  # the same key, raced on another offer
            raise Conflict(
                _("This request key was already used."),
                field="idempotency_key",
                code="idempotency_key_reused",
            ) from None
        voucher.spend = points_spend(
            resident=resident,
            points=offer.points_cost,
            idempotency_key=f"voucher:{voucher.pk}",
            cause=voucher,
            memo=offer.title,
        )
        voucher.save(update_fields=["spend"])
        offer.stock -= 1
        offer.save(update_fields=["stock"])
    voucher.created = True
    return voucher


def _refund(voucher: Voucher, status: str, memo: str) -> Voucher:
    """Close the locked issued ``voucher`` as ``status`` and write the reversal of its spend."""
    _release_subsidy(voucher)
    voucher.refund = points_reverse(original=voucher.spend, cause=voucher, memo=memo)
    voucher.status = status
    voucher.closed_at = timezone.now()
    voucher.save(update_fields=["refund", "status", "closed_at"])
    return voucher


def voucher_cancel(*, resident: User, voucher_id: int) -> Voucher:
    """The holder cancels an unused voucher: points come back as a reversal row, stock too.

    Idempotent: cancelling a cancelled voucher returns it unchanged.

    Raises NotFound (not the resident's voucher), VoucherNotUsable (code
    ``voucher_redeemed`` / ``voucher_expired``).
    """
    with transaction.atomic():
        voucher = (
            Voucher.objects.select_for_update(of=("self",))
            .select_related("spend")
            .filter(pk=voucher_id, resident=resident)
            .first()
        )
        if voucher is None:
            raise NotFound(field="voucher")
        if voucher.status == Voucher.Status.CANCELLED:
            return voucher
        if voucher.status != Voucher.Status.ISSUED:
            raise VoucherNotUsable(code=f"voucher_{voucher.status}")
        Offer.objects.filter(pk=voucher.offer_id).update(stock=F("stock") + 1)
        return _refund(voucher, Voucher.Status.CANCELLED, _("Voucher cancelled"))


def vouchers_expire(*, today: dt.date | None = None) -> int:
    """Refund every issued voucher whose last valid local day is before ``today``.

    One short transaction per voucher; each re-checks the status under the
    row lock, so a second run (or a concurrent one) refunds nothing twice, and
    a voucher redeemed meanwhile is left alone. Returns how many were refunded.
    """
    today = today or local_date()
    due = Voucher.objects.filter(status=Voucher.Status.ISSUED, expires_on__lt=today)
    refunded = 0
    for pk in due.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            voucher = (
                Voucher.objects.select_for_update(of=("self",))
                .select_related("spend", "offer", "resident")
                .filter(pk=pk, status=Voucher.Status.ISSUED, expires_on__lt=today)
                .first()
            )
            if voucher is None:
                continue
            _refund(voucher, Voucher.Status.EXPIRED, _("Voucher expired unused"))
            notify(
                recipient=voucher.resident,
                kind=NotificationKind.POINTS_REVERSED,
                title=message(
                    gettext_lazy("Your voucher “%(offer)s” expired; %(points)d points are back."),
                    offer=voucher.offer.title,
                    points=voucher.points,
                ),
                url=reverse("merchants:my_vouchers"),
            )
            refunded += 1
    return refunded


def vouchers_remind_expiring(*, today: dt.date | None = None) -> int:
    """Tell holders of issued vouchers that expire within 3 local days, once per voucher.

    The claim is a compare-and-set on ``expiring_notified_on``; returns how many were told.
    """
    today = today or local_date()
    soon = Voucher.objects.filter(
        status=Voucher.Status.ISSUED,
        expires_on__gte=today,
        expires_on__lte=today + dt.timedelta(days=EXPIRING_NOTICE_DAYS),
        expiring_notified_on__isnull=True,
    )
    told = 0
    for voucher in soon.select_related("offer", "resident", "merchant").order_by("pk"):
        with transaction.atomic():
            claimed = Voucher.objects.filter(
                pk=voucher.pk, expiring_notified_on__isnull=True
            ).update(expiring_notified_on=today)
            if claimed != 1:
                continue
            notify(
                recipient=voucher.resident,
                kind=NotificationKind.VOUCHER_EXPIRING,
                title=message(
                    gettext_lazy(
                        "Your voucher “%(offer)s” at %(merchant)s is valid until %(day)s."
                    ),
                    offer=voucher.offer.title,
                    merchant=voucher.merchant.name,
                    day=voucher.expires_on.isoformat(),
                ),
                url=reverse("merchants:voucher", args=[voucher.pk]),
            )
            told += 1
    return told


# --- at the counter -----------------------------------------------------------------------


@dataclass(frozen=True)
class CounterView:
    """What merchant staff see of a voucher or card holder — nothing more (invariant 7)."""

    nickname: str
    masked_mobile: str
    offer_title: str = ""
    offer_description: str = ""
    price_fen: int = 0
    discount_fen: int = 0
    status: str = ""
    status_label: str = ""
    expires_on: dt.date | None = None
    card_discount_percent: int = 0


def _counter_view(voucher: Voucher) -> CounterView:
    return CounterView(
        nickname=voucher.resident.nickname,
        masked_mobile=voucher.resident.masked_mobile,
        offer_title=voucher.offer.title,
        offer_description=voucher.offer.description,
        price_fen=voucher.offer.price_fen,
        discount_fen=voucher.discount_fen,
        status=voucher.status,
        status_label=str(Voucher.Status(voucher.status).label),
        expires_on=voucher.expires_on,
    )


def _voucher_at_counter(merchant: Merchant, code: str) -> Voucher:
    voucher = (
        Voucher.objects.select_related("offer", "resident")
        .filter(code=normalize_code(code), town_id=merchant.town_id)
        .first()
    )
    if voucher is None:
        raise VoucherNotFound(field="code")
    if voucher.merchant_id != merchant.pk:
        raise VoucherOtherMerchant(field="code")
    return voucher


def voucher_check(*, actor: User, code: str) -> CounterView:
    """Merchant staff look a code up before redeeming it (reads only).

    Raises MerchantOnly, VoucherNotFound, VoucherOtherMerchant.
    """
    merchant = require_merchant_staff(actor)
    return _counter_view(_voucher_at_counter(merchant, code))


def voucher_redeem(*, actor: User, code: str) -> CounterView:
    """Redeem ``code`` at ``actor``'s merchant: once, only there, only while valid.

    The claim is a compare-and-set ``UPDATE … WHERE status='issued' AND
    expires_on >= today AND merchant = mine``; of two concurrent scans exactly one
    changes the row. The holder is told in the same transaction.

    Returns what the counter may see. Raises MerchantOnly, VoucherNotFound,
    VoucherOtherMerchant, VoucherNotUsable (code ``voucher_redeemed``,
    ``voucher_cancelled``, ``voucher_expired``).
    """
    merchant = require_merchant_staff(actor)
    voucher = _voucher_at_counter(merchant, code)
    now = timezone.now()
    today = local_date(now)
    with transaction.atomic():
        claimed = Voucher.objects.filter(
            pk=voucher.pk,
            merchant=merchant,
            status=Voucher.Status.ISSUED,
            expires_on__gte=today,
        ).update(status=Voucher.Status.REDEEMED, redeemed_at=now, redeemed_by=actor, closed_at=now)
        if claimed != 1:
            voucher.refresh_from_db(fields=["status"])
            status = voucher.status if voucher.status != Voucher.Status.ISSUED else "expired"
            raise VoucherNotUsable(code=f"voucher_{status}", field="code")
        voucher.status = Voucher.Status.REDEEMED
        notify(
            recipient=voucher.resident,
            kind=NotificationKind.VOUCHER_REDEEMED,
            title=message(
                gettext_lazy("Your voucher “%(offer)s” was used at %(merchant)s."),
                offer=voucher.offer.title,
                merchant=merchant.name,
            ),
            url=reverse("merchants:voucher", args=[voucher.pk]),
        )
    return _counter_view(voucher)


# --- love discount cards ------------------------------------------------------------------


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
            town_id=actor.town_id,
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
    threshold = card_policy_for(resident.town_id).threshold_points
    if resident.role != Role.RESIDENT or earned < threshold:
        raise CardNotEligible()
    with transaction.atomic():
        card, _created = DiscountCard.objects.get_or_create(
            resident=resident,
            defaults={"town_id": resident.town_id, "issued_at": timezone.now()},
        )
    return card


def discount_card_check(*, actor: User, token: str) -> CounterView:
    """Merchant staff check a scanned card: the holder's nickname, masked mobile and the
    merchant's card discount. Raises MerchantOnly, InvalidInput(``invalid_card``),
    CardNotEligible (no card), CardSuspended."""
    merchant = require_merchant_staff(actor)
    resident = resident_from_card(token)
    card = DiscountCard.objects.filter(resident=resident, town_id=merchant.town_id).first()
    if card is None:
        raise CardNotEligible(_("This resident holds no discount card."), field="token")
    if card.status != DiscountCard.Status.ACTIVE:
        raise CardSuspended(field="token")
    return CounterView(
        nickname=resident.nickname,
        masked_mobile=resident.masked_mobile,
        status=card.status,
        status_label=str(DiscountCard.Status(card.status).label),
        card_discount_percent=merchant.card_discount_percent,
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
