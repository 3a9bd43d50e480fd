"""Merchant-alliance API: merchants and offers, my vouchers and card, the merchant desk,
the town desk. Money in integer fen; dates are the town's local dates (YYYY-MM-DD)."""

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from civicpoints.accounts.models import User
from civicpoints.core.bounds import Count, Fen, LocalDate, Month, ObjectId, Percent
from civicpoints.core.errors import NotFound
from civicpoints.core.pagination import BoundedLimitOffsetPagination
from civicpoints.core.schemas import ErrorOut
from civicpoints.merchants import selectors, services
from civicpoints.merchants.models import DiscountCard, Merchant, Voucher

router = Router(tags=["merchants"])


class MerchantOut(Schema):
    id: int
    name: str
    category: str
    address: str
    contact_phone: str
    status: str
    card_discount_percent: int = Field(..., description="Percent off for discount card holders.")


class DirectoryRowOut(MerchantOut):
    """A row of the merchant directory."""

    sort_key: str = Field(..., description="Toneless pinyin of the name; the list's order.")
    open_offers: int = Field(..., description="Offers exchangeable today with units left.")
    min_points: int | None = Field(None, description="Cheapest open offer: points it costs.")
    min_pay_fen: int | None = Field(
        None, description="Cheapest open offer: what the customer still pays, in fen."
    )
    min_price_fen: int | None = Field(
        None, description="Cheapest open offer: the regular price, in fen."
    )


class OfferOut(Schema):
    id: int
    merchant_id: int
    title: str
    description: str
    price_fen: int = Field(..., description="Regular price in fen.")
    discount_fen: int = Field(..., description="What the voucher takes off, in fen.")
    pay_fen: int = Field(..., description="What the customer still pays, in fen.")
    points_cost: int
    stock: int = Field(..., description="Units left.")
    per_resident_limit: int
    valid_from: dt.date
    valid_until: dt.date
    funded_by: str = Field(..., description="merchant | subsidy")
    is_active: bool


class MerchantDetailOut(MerchantOut):
    offers: list[OfferOut] = Field(..., description="Offers open today.")

    @staticmethod
    def resolve_offers(obj: Merchant) -> list:
        return list(selectors.offers_open(obj))


class VoucherOut(Schema):
    id: int
    code: str = Field(..., description="Unguessable; show it (or its QR) at the counter.")
    status: str = Field(..., description="issued | redeemed | cancelled | expired")
    offer: OfferOut
    merchant: str = Field(..., alias="merchant.name")
    points: int
    discount_fen: int
    expires_on: dt.date = Field(..., description="Last local day it can be redeemed.")
    replayed: bool = False

    @staticmethod
    def resolve_replayed(obj: Voucher) -> bool:
        return not getattr(obj, "created", True)


class ExchangeIn(Schema):
    idempotency_key: str = Field(
        ...,
        min_length=8,
        max_length=100,
        description=(
            "Required; a new random key per exchange. Repeat the same key to retry safely: "
            "the first voucher is returned (200); the same key for another offer is 409 "
            "``idempotency_key_reused``."
        ),
    )


class CodeIn(Schema):
    code: str = Field(..., max_length=40, description="Typed (spaces/dashes ignored) or scanned.")


class CounterOut(Schema):
    """Everything the counter may see: no full mobile number, no real name."""

    nickname: str
    masked_mobile: str
    offer_title: str
    offer_description: str
    price_fen: int
    discount_fen: int
    status: str
    status_label: str
    expires_on: dt.date | None
    card_discount_percent: int
    card_use_id: int | None = Field(None, description="Card checks: the recorded use.")
    used_at: dt.datetime | None = Field(None, description="Card checks: when it was recorded.")
    replayed: bool = Field(False, description="Card checks: a repeat of an earlier key.")


class CardIn(Schema):
    token: str = Field(..., max_length=200, description="The scanned QR card token.")
    idempotency_key: str = Field(
        "",
        max_length=100,
        description="8–100 characters; a retry with the same key records the use once. "
        "Empty: every call records a use.",
    )


class CardOut(Schema):
    status: str
    issued_at: dt.datetime
    token: str = Field(..., description="Encode as a QR code; merchants scan it.")

    @staticmethod
    def resolve_token(obj: DiscountCard) -> str:
        from civicpoints.accounts.card import resident_card_token

        return resident_card_token(obj.resident)


class ApplyIn(Schema):
    name: str = Field(..., max_length=80)
    category: str = Field(..., max_length=40)
    address: str = Field(..., max_length=160)
    contact_phone: str = Field("", max_length=20)


class OfferIn(Schema):
    title: str = Field(..., max_length=80)
    description: str = Field("", max_length=300)
    price_fen: Fen
    discount_fen: Fen
    points_cost: Count
    stock: Count
    per_resident_limit: Count = 1
    valid_from: LocalDate
    valid_until: LocalDate
    funded_by: str = Field("merchant", description="merchant | subsidy (town admins only)")


class ActiveIn(Schema):
    is_active: bool


class PercentIn(Schema):
    percent: Percent = Field(..., description="0–100")


class SettlementOut(Schema):
    merchant_id: int
    month: str
    vouchers: int
    points: int
    discount_fen: int
    merchant_fen: int
    subsidy_fen: int


class StatusIn(Schema):
    status: str = Field(..., description="approved | suspended")


class StaffIn(Schema):
    mobile: str
    nickname: str = Field(..., max_length=40)
    password: str


class StaffOut(Schema):
    id: int
    nickname: str
    mobile: str


class BudgetIn(Schema):
    cap_fen: Fen


class BudgetOut(Schema):
    cap_fen: int
    committed_fen: int
    left_fen: int


class PolicyIn(Schema):
    threshold_points: Count


class PolicyOut(Schema):
    threshold_points: int


class CardStatusIn(Schema):
    status: str = Field(..., description="active | suspended")
    reason: str = Field("", max_length=200)


def _settlement_out(merchant: Merchant, month: str | None) -> dict:
    s = selectors.settlement(merchant, selectors.parse_month(month))
    return {
        "merchant_id": merchant.pk,
        "month": f"{s.month:%Y-%m}",
        "vouchers": s.vouchers,
        "points": s.points,
        "discount_fen": s.discount_fen,
        "merchant_fen": s.merchant_fen,
        "subsidy_fen": s.subsidy_fen,
    }


# --- residents --------------------------------------------------------------------------


@router.get("/merchants", response=list[DirectoryRowOut])
@paginate(BoundedLimitOffsetPagination)
def merchant_list(
    request,
    q: str = Query(
        "", max_length=40, description="Words or pinyin to find (name, category, address)."
    ),
    category: str = Query("", max_length=40, description="Exact category; empty for all."),
    sort: Literal["name", "points", "offers"] = Query(
        "name",
        description="name: pinyin order; points: cheapest offer first; offers: most offers first.",
    ),
):
    """The merchant directory of my town, paged (``{"items", "count"}``, ``limit`` 1–100,
    ``offset``): each row with its open offers and its cheapest offer (points, and the
    price to pay and the regular price in fen; null when it has none). Merchant names are
    ordered by Hanyu Pinyin (``sort_key``). Bad ``sort``/``limit``/``offset`` → 422."""
    return selectors.merchants_public(request.user.town_id, category, q=q, sort=sort)


@router.get("/merchants/{int:merchant_id}", response={200: MerchantDetailOut, 404: ErrorOut})
def merchant_detail(request, merchant_id: ObjectId):
    """One approved merchant with the offers open today."""
    return selectors.merchant_public(request.user.town_id, merchant_id)


@router.post("/merchants/apply", response={201: MerchantOut, 422: ErrorOut})
def merchant_apply(request, payload: ApplyIn):
    """Apply for my shop to join the alliance (status ``pending`` until the town approves)."""
    return Status(201, services.merchant_apply(applicant=request.user, **payload.dict()))


@router.post(
    "/offers/{int:offer_id}/exchange",
    response={201: VoucherOut, 200: VoucherOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def offer_exchange(request, offer_id: ObjectId, payload: ExchangeIn):
    """Spend points for a voucher. 201 new, 200 a replay of the same key. Errors:
    ``out_of_stock``, ``per_resident_limit``, ``subsidy_exhausted``, ``offer_unavailable``,
    ``insufficient_points`` (409)."""
    voucher = services.voucher_exchange(
        resident=request.user, offer_id=offer_id, idempotency_key=payload.idempotency_key
    )
    return Status(201 if voucher.created else 200, voucher)


@router.get("/vouchers/mine", response=list[VoucherOut])
def my_vouchers(request):
    """My vouchers, usable first."""
    return list(selectors.vouchers_of(request.user)[:200])


@router.get("/vouchers/{int:voucher_id}", response={200: VoucherOut, 404: ErrorOut})
def my_voucher(request, voucher_id: ObjectId):
    return selectors.voucher_of(request.user, voucher_id)


@router.post(
    "/vouchers/{int:voucher_id}/cancel", response={200: VoucherOut, 404: ErrorOut, 409: ErrorOut}
)
def my_voucher_cancel(request, voucher_id: ObjectId):
    """Cancel an unused voucher: the points come back (a reversal row). Idempotent."""
    services.voucher_cancel(resident=request.user, voucher_id=voucher_id)
    return selectors.voucher_of(request.user, voucher_id)


@router.get("/me/discount-card", response={200: CardOut, 404: ErrorOut})
def my_card(request):
    """My love discount card, if I hold one."""
    card = DiscountCard.objects.filter(resident=request.user).select_related("resident").first()
    if card is None:
        raise NotFound(_("You hold no discount card."))
    return card


@router.post("/me/discount-card", response={200: CardOut, 409: ErrorOut})
def my_card_claim(request):
    """Get my card once my lifetime points reach the town's threshold (``card_not_eligible``)."""
    return services.discount_card_claim(resident=request.user)


# --- merchant desk ----------------------------------------------------------------------


@router.post(
    "/merchant-desk/vouchers/check",
    response={200: CounterOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def desk_check(request, payload: CodeIn):
    """Look a code up before redeeming (reads only)."""
    return services.voucher_check(actor=request.user, code=payload.code)


@router.post(
    "/merchant-desk/vouchers/redeem",
    response={200: CounterOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def desk_redeem(request, payload: CodeIn):
    """Redeem a code at my merchant: once, only here, only while valid. Errors (409):
    ``voucher_other_merchant``, ``voucher_redeemed``, ``voucher_expired``, ``voucher_cancelled``."""
    return services.voucher_redeem(actor=request.user, code=payload.code)


@router.post(
    "/merchant-desk/cards/check",
    response={200: CounterOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def desk_card_check(request, payload: CardIn):
    """Check a scanned discount card and record the use (``CardUse``): the holder's
    nickname, masked mobile, the percent off my merchant gives (0–100), the use's id and
    time. Errors: 403 ``merchant_staff_only``; 422 ``invalid_card`` (field ``token``) or
    ``invalid`` (field ``idempotency_key``); 409 ``card_not_eligible``, ``card_suspended``,
    ``idempotency_key_reused``. A refused check records nothing."""
    return services.discount_card_check(
        actor=request.user, token=payload.token, idempotency_key=payload.idempotency_key
    )


@router.put(
    "/merchant-desk/card-discount", response={200: MerchantOut, 403: ErrorOut, 422: ErrorOut}
)
def desk_card_discount(request, payload: PercentIn):
    """Set the percent off my merchant gives card holders."""
    return services.merchant_card_discount_set(actor=request.user, percent=payload.percent)


@router.get("/merchant-desk/offers", response={200: list[OfferOut], 403: ErrorOut})
@paginate(BoundedLimitOffsetPagination)
def desk_offers(request):
    merchant = services.require_merchant_staff(request.user)
    return selectors.offers_of(merchant)


@router.post("/merchant-desk/offers", response={201: OfferOut, 403: ErrorOut, 422: ErrorOut})
def desk_offer_create(request, payload: OfferIn):
    """Publish an offer of my merchant (funded by the merchant)."""
    return Status(201, services.offer_create(actor=request.user, **payload.dict()))


@router.post(
    "/merchant-desk/offers/{int:offer_id}/active",
    response={200: OfferOut, 403: ErrorOut, 404: ErrorOut},
)
def desk_offer_active(request, offer_id: ObjectId, payload: ActiveIn):
    return services.offer_set_active(
        actor=request.user, offer_id=offer_id, is_active=payload.is_active
    )


class RestockIn(Schema):
    units: Count = Field(..., description="Units to add, 1–100000.")


@router.post(
    "/merchant-desk/offers/{int:offer_id}/restock",
    response={200: OfferOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def desk_offer_restock(request, offer_id: ObjectId, payload: RestockIn):
    """Add stock to one of my offers."""
    return services.offer_restock(actor=request.user, offer_id=offer_id, units=payload.units)


@router.get(
    "/merchant-desk/settlement", response={200: SettlementOut, 403: ErrorOut, 422: ErrorOut}
)
def desk_settlement(request, month: Month | None = None):
    """My merchant's month (``YYYY-MM``, default this month): totals in fen."""
    return _settlement_out(services.require_merchant_staff(request.user), month)


# --- town desk ---------------------------------------------------------------------------


@router.get("/town/merchants", response={200: list[MerchantOut], 403: ErrorOut})
@paginate(BoundedLimitOffsetPagination)
def town_merchants(request):
    """All merchants of my town (town admins), pending first."""
    services.require_town_admin(request.user)
    return selectors.merchants_for_admin(request.user.town_id)


@router.post(
    "/town/merchants/{int:merchant_id}/status",
    response={200: MerchantOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def town_merchant_status(request, merchant_id: ObjectId, payload: StatusIn):
    """Approve or suspend a merchant of my town."""
    return services.merchant_set_status(
        actor=request.user, merchant_id=merchant_id, status=payload.status
    )


@router.post(
    "/town/merchants/{int:merchant_id}/staff",
    response={201: StaffOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def town_merchant_staff(request, merchant_id: ObjectId, payload: StaffIn):
    """Create a merchant staff login (role merchant_staff, scoped to that merchant)."""
    user: User = services.merchant_staff_create(
        actor=request.user, merchant_id=merchant_id, **payload.dict()
    )
    return Status(201, user)


@router.post(
    "/town/merchants/{int:merchant_id}/offers",
    response={201: OfferOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def town_offer_create(request, merchant_id: ObjectId, payload: OfferIn):
    """Publish an offer for a merchant, possibly funded by the town subsidy budget."""
    return Status(
        201, services.offer_create(actor=request.user, merchant_id=merchant_id, **payload.dict())
    )


@router.get(
    "/town/merchants/{int:merchant_id}/settlement",
    response={200: SettlementOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def town_settlement(request, merchant_id: ObjectId, month: Month | None = None):
    return _settlement_out(services.merchant_for_admin(request.user, merchant_id), month)


@router.put("/town/subsidy-budget", response={200: BudgetOut, 403: ErrorOut, 422: ErrorOut})
def town_budget(request, payload: BudgetIn):
    """Set the town subsidy cap in fen; subsidised exchanges stop when it is committed."""
    return services.subsidy_budget_set(actor=request.user, cap_fen=payload.cap_fen)


@router.put("/town/card-policy", response={200: PolicyOut, 403: ErrorOut, 422: ErrorOut})
def town_card_policy(request, payload: PolicyIn):
    """Set the lifetime points a resident needs for a love discount card."""
    return services.card_policy_set(actor=request.user, threshold_points=payload.threshold_points)


@router.post(
    "/staff/residents/{int:resident_id}/discount-card",
    response={200: CardOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def staff_card_status(request, resident_id: ObjectId, payload: CardStatusIn):
    """Suspend (reason required) or reinstate the card of a resident in my scope."""
    card = services.discount_card_set_status(
        actor=request.user, resident_id=resident_id, **payload.dict()
    )
    return card
