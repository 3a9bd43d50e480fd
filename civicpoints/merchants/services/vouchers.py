"""Vouchers: exchange points for one, cancel, expiry refunds and reminders, the counter."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpoints.accounts.locks import lock_person
from civicpoints.accounts.models import Role, Town, User
from civicpoints.accounts.scope import town_of
from civicpoints.core.errors import Conflict, NotFound
from civicpoints.core.timeutil import local_date, town_today
from civicpoints.merchants.errors import (
    LimitReached,
    OfferUnavailable,
    OutOfStock,
    SubsidyExhausted,
    VoucherNotFound,
    VoucherNotUsable,
    VoucherOtherMerchant,
    invalid,
)
from civicpoints.merchants.models import Funding, Merchant, Offer, SubsidyBudget, Voucher
from civicpoints.merchants.services.alliance import require_merchant_staff
from civicpoints.notifications.models import NotificationKind
from civicpoints.notifications.services import message, notify
from civicpoints.points.services import points_reverse, points_spend

CODE_LENGTH = 16  # base32 characters = 80 random bits


_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out at a counter


EXPIRING_NOTICE_DAYS = 3


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


def _key_reused() -> Conflict:
    return Conflict(
        _("This request key was already used."),
        field="idempotency_key",
        code="idempotency_key_reused",
    )


def voucher_exchange(*, resident: User, offer_id: int, idempotency_key: str) -> Voucher:
    """Spend ``offer.points_cost`` points for a voucher, in one transaction.

    Locks, in the code base's order (docs/CONVENTIONS.md): the resident's user
    row (a closed account exchanges nothing), the offer row (stock and the
    per-resident limit are checked under it), the town subsidy budget when the
    town funds the discount, then the resident's account (``points_spend``).
    Any refusal writes nothing.

    Args:
        idempotency_key: 8–100 characters from the client (a form nonce), required;
            a repeat for the same offer returns the first voucher with
            ``voucher.created`` False; the same key for another offer is refused
            (Conflict ``idempotency_key_reused``, 409).

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
        # Lock order (docs/CONVENTIONS.md): the person, then the offer. Account
        # closure takes the same order, so an exchange either ends before the
        # closure cancels the vouchers or sees the account closed.
        resident = lock_person(resident)
        if not resident.is_active:
            raise OfferUnavailable(_("Only residents exchange points."), field="resident")
        offer = (
            Offer.objects.select_for_update().filter(pk=offer_id, town_id=town_of(resident)).first()
        )
        if offer is None:
            raise NotFound(field="offer")
        # checked after the lock: a concurrent repeat of this key has committed by now
        first = Voucher.objects.filter(resident=resident, idempotency_key=key).first()
        if first is not None:
            if first.offer_id != offer.pk:
                # a retry repeats the request; the same key for another offer is a bug
                raise _key_reused()
            first.created = False
            return first
        today = town_today(resident.town)
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
            raise _key_reused() from None
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
    assert voucher.spend is not None  # an issued voucher always has its spend row
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
    offer_id = (
        Voucher.objects.filter(pk=voucher_id, resident=resident)
        .values_list("offer_id", flat=True)
        .first()
    )
    if offer_id is None:
        raise NotFound(field="voucher")
    with transaction.atomic():
        # Lock order (docs/CONVENTIONS.md): the person, the offer, the voucher.
        lock_person(resident)
        Offer.objects.select_for_update().filter(pk=offer_id).first()
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
    if today is not None:
        past = Q(expires_on__lt=today)
    else:  # each town's own today
        past = Q(pk__in=[])
        for town in Town.objects.only("pk", "time_zone"):
            past |= Q(town_id=town.pk, expires_on__lt=town_today(town))
    due = Voucher.objects.filter(past, status=Voucher.Status.ISSUED)
    refunded = 0
    for pk, resident_id in due.order_by("pk").values_list("pk", "resident_id"):
        with transaction.atomic():
            # Lock order (docs/CONVENTIONS.md): the person, then the voucher.
            lock_person(resident_id)
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
    card_use_id: int | None = None
    used_at: dt.datetime | None = None
    replayed: bool = False


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
    today = local_date(now, actor.town)
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
