"""Reads of the merchant alliance: public listings, my vouchers, monthly settlement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Town, User
from civicpoints.core.bounds import check_date
from civicpoints.core.errors import InvalidInput, NotFound
from civicpoints.core.timeutil import local_date, local_midnight, town_today
from civicpoints.merchants.models import (
    CardUse,
    Funding,
    Merchant,
    Offer,
    SubsidyBudget,
    Voucher,
)
from civicpoints.merchants.sorting import name_sort_key


def fen_to_yuan(fen: int) -> str:
    """Integer fen as a yuan string with two decimals (3500 → "35.00"); exact, no float."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan}.{cents:02d}"


DIRECTORY_SORTS = ("name", "points", "offers")


def merchants_public(
    town_id: int | None, category: str = "", *, q: str = "", sort: str = "name"
) -> QuerySet[Merchant]:
    """The merchant directory: approved merchants of a town (every town for ``None``: the
    public, logged-out listing).

    Args:
        category: exact category, "" for all.
        q: up to 40 characters matched (case-insensitive) in the name, category and
            address, and — as pinyin — in the name's sort key ("yezi" and "叶子" both
            find 叶子发艺).
        sort: ``name`` (pinyin order, the default), ``points`` (cheapest offer's point
            cost first, shops without an open offer last) or ``offers`` (most open
            offers first). Unknown values sort by name.

    Each row carries ``open_offers`` (offers exchangeable today with stock) and, of its
    cheapest open offer (fewest points, then lowest price to pay), ``min_points``
    (points), ``min_pay_fen`` and ``min_price_fen`` (fen); ``None`` when it has none.
    """
    town = Town.objects.only("time_zone").filter(pk=town_id).first() if town_id else None
    today = town_today(town)  # the town's own today (the platform's for every town)
    qs = Merchant.objects.filter(status=Merchant.Status.APPROVED)
    if town_id is not None:
        qs = qs.filter(town_id=town_id)
    if category:
        qs = qs.filter(category=category)
    q = (q or "").strip()[:40]
    if q:
        match = Q(name__icontains=q) | Q(category__icontains=q) | Q(address__icontains=q)
        spelled = name_sort_key(q)
        if spelled:
            match |= Q(sort_key__contains=spelled)
        qs = qs.filter(match)
    open_filter = Q(
        offers__is_active=True,
        offers__valid_from__lte=today,
        offers__valid_until__gte=today,
        offers__stock__gt=0,
    )
    cheapest = (
        Offer.objects.available(today)
        .filter(town_id=OuterRef("town_id"), merchant=OuterRef("pk"), stock__gt=0)
        .annotate(pay=F("price_fen") - F("discount_fen"))
        .order_by("points_cost", "pay", "pk")
    )
    qs = qs.annotate(
        open_offers=Count("offers", filter=open_filter),
        min_points=Subquery(cheapest.values("points_cost")[:1]),
        min_pay_fen=Subquery(cheapest.values("pay")[:1]),
        min_price_fen=Subquery(cheapest.values("price_fen")[:1]),
    )
    if sort == "points":
        return qs.order_by(F("min_points").asc(nulls_last=True), "sort_key", "pk")
    if sort == "offers":
        return qs.order_by("-open_offers", "sort_key", "pk")
    return qs.order_by("sort_key", "name", "pk")


def merchant_categories(town_id: int | None) -> list[str]:
    """The categories of the town's approved merchants, in pinyin order."""
    values = (
        Merchant.objects.filter(status=Merchant.Status.APPROVED)
        .filter(**({"town_id": town_id} if town_id is not None else {}))
        .values_list("category", flat=True)
        .distinct()
    )
    return sorted(set(values), key=lambda c: (name_sort_key(c), c))


def merchant_public(town_id: int | None, merchant_id: int) -> Merchant:
    """One approved merchant of the town (any town for ``None``). Raises NotFound."""
    qs = Merchant.objects.filter(status=Merchant.Status.APPROVED)
    if town_id is not None:
        qs = qs.filter(town_id=town_id)
    try:
        return qs.get(pk=merchant_id)
    except (Merchant.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def offers_open(merchant: Merchant) -> QuerySet[Offer]:
    """The merchant's offers a resident may exchange today (sold-out ones included, last)."""
    return (
        Offer.objects.available(town_today(merchant.town))
        .filter(merchant=merchant)
        .order_by("-stock", "pk")
    )


def offer_open_get(merchant: Merchant, offer_id: int) -> Offer:
    """One offer of ``merchant`` open today. Raises NotFound (field ``offer``)."""
    offer = offers_open(merchant).filter(pk=offer_id).first()
    if offer is None:
        raise NotFound(field="offer")
    return offer


def offers_of(merchant: Merchant) -> QuerySet[Offer]:
    """All offers of a merchant, newest first (the merchant's own list)."""
    return Offer.objects.filter(merchant=merchant).order_by("-pk")


def vouchers_of(resident: User) -> QuerySet[Voucher]:
    """The resident's vouchers, usable first, then newest."""
    return (
        Voucher.objects.for_town(resident.town_id)
        .filter(resident=resident)
        .select_related("offer", "merchant")
        .order_by("status", "-issued_at")
    )


def voucher_of(resident: User, voucher_id: int) -> Voucher:
    """One of the resident's vouchers. Raises NotFound (also for other people's)."""
    try:
        return Voucher.objects.select_related("offer", "merchant").get(
            pk=voucher_id, resident=resident
        )
    except (Voucher.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def subsidy_budget(town_id: int) -> SubsidyBudget:
    return SubsidyBudget.objects.filter(town_id=town_id).first() or SubsidyBudget(town_id=town_id)


def parse_month(value: str | None) -> dt.date:
    """``YYYY-MM`` → the first local date of that month; default the current month.

    Raises InvalidInput(field ``month``, code ``invalid_month``, or ``out_of_range``
    outside ``core.bounds`` MIN_DATE … MAX_DATE).
    """
    if not value:
        return local_date().replace(day=1)
    try:
        month = dt.datetime.strptime(str(value), "%Y-%m").date()
    except ValueError:
        raise InvalidInput(
            _("Give the month as YYYY-MM, e.g. 2026-05."), field="month", code="invalid_month"
        ) from None
    check_date(month, field="month")
    return month


@dataclass
class SettlementRow:
    code: str
    redeemed_at: dt.datetime
    offer: str
    nickname: str
    masked_mobile: str
    points: int
    discount_fen: int
    funded_by: str


@dataclass
class Settlement:
    """One merchant's month: vouchers redeemed, discount in fen by funder, points consumed."""

    merchant: Merchant
    month: dt.date
    vouchers: int = 0
    points: int = 0
    discount_fen: int = 0
    merchant_fen: int = 0
    subsidy_fen: int = 0
    rows: list[SettlementRow] = field(default_factory=list)


def settlement(merchant: Merchant, month: dt.date) -> Settlement:
    """Totals (aggregated in SQL) and the lines of ``merchant``'s vouchers redeemed in the
    local calendar month starting ``month``. Money in integer fen."""
    town = merchant.town
    start = local_midnight(month, town)
    nxt = (month + dt.timedelta(days=32)).replace(day=1)
    qs = Voucher.objects.filter(merchant=merchant).redeemed_in(start, local_midnight(nxt, town))
    totals = qs.aggregate(
        n_vouchers=Count("pk"),
        n_points=Sum("points"),
        total_fen=Sum("discount_fen"),
        by_merchant_fen=Sum("discount_fen", filter=Q(funded_by=Funding.MERCHANT)),
        by_subsidy_fen=Sum("discount_fen", filter=Q(funded_by=Funding.SUBSIDY)),
    )
    result = Settlement(
        merchant=merchant,
        month=month,
        vouchers=totals["n_vouchers"] or 0,
        points=totals["n_points"] or 0,
        discount_fen=totals["total_fen"] or 0,
        merchant_fen=totals["by_merchant_fen"] or 0,
        subsidy_fen=totals["by_subsidy_fen"] or 0,
    )
    for v in qs.select_related("offer", "resident").order_by("redeemed_at", "pk"):
        result.rows.append(
            SettlementRow(
                code=v.code,
                redeemed_at=v.redeemed_at,
                offer=v.offer.title,
                nickname=v.resident.nickname,
                masked_mobile=v.resident.masked_mobile,
                points=v.points,
                discount_fen=v.discount_fen,
                funded_by=v.funded_by,
            )
        )
    return result


def merchants_for_admin(town_id: int) -> QuerySet[Merchant]:
    """Every merchant of the town, pending applications first."""
    return Merchant.objects.filter(town_id=town_id).order_by(
        # pending < approved < suspended alphabetically is not the order we want
        "-status",
        "name",
    )


@dataclass
class TownSettlementRow:
    merchant_id: int
    merchant: str
    vouchers: int
    points: int
    discount_fen: int
    merchant_fen: int
    subsidy_fen: int


def town_settlement(town_id: int, month: dt.date) -> list[TownSettlementRow]:
    """Every merchant of the town with redemptions in the local month starting ``month``:
    one row each (a single GROUP BY query), most discount first. Money in fen."""
    town = Town.objects.only("time_zone").get(pk=town_id)
    start = local_midnight(month, town)
    nxt = (month + dt.timedelta(days=32)).replace(day=1)
    rows = (
        Voucher.objects.filter(town_id=town_id)
        .redeemed_in(start, local_midnight(nxt, town))
        .values("merchant_id", "merchant__name")
        .annotate(
            n_vouchers=Count("pk"),
            n_points=Sum("points"),
            total_fen=Sum("discount_fen"),
            by_merchant_fen=Sum("discount_fen", filter=Q(funded_by=Funding.MERCHANT)),
            by_subsidy_fen=Sum("discount_fen", filter=Q(funded_by=Funding.SUBSIDY)),
        )
        .order_by("-total_fen", "merchant__name")
    )
    return [
        TownSettlementRow(
            merchant_id=r["merchant_id"],
            merchant=r["merchant__name"],
            vouchers=r["n_vouchers"],
            points=r["n_points"] or 0,
            discount_fen=r["total_fen"] or 0,
            merchant_fen=r["by_merchant_fen"] or 0,
            subsidy_fen=r["by_subsidy_fen"] or 0,
        )
        for r in rows
    ]


def card_uses_today(merchant: Merchant, limit: int = 20) -> QuerySet[CardUse]:
    """The merchant's discount-card checks of the local day, newest first (at most ``limit``),
    with the holder loaded (the counter shows nickname and masked mobile only)."""
    start = local_midnight(town_today(merchant.town), merchant.town)
    return (
        CardUse.objects.filter(merchant=merchant, used_at__gte=start)
        .select_related("resident")
        .order_by("-used_at", "-pk")[:limit]
    )
