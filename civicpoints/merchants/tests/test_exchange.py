"""Exchange points for vouchers, cancel them, and the subsidy cap."""

import datetime as dt

import pytest

from civicpoints.accounts.services import resident_register
from civicpoints.core.errors import NotFound
from civicpoints.core.timeutil import local_date
from civicpoints.merchants import services
from civicpoints.merchants.errors import (
    LimitReached,
    OfferUnavailable,
    OutOfStock,
    SubsidyExhausted,
    TownAdminOnly,
    VoucherNotUsable,
)
from civicpoints.merchants.models import Funding, Merchant, Offer, SubsidyBudget, Voucher
from civicpoints.merchants.tests.conftest import fund, key, make_offer
from civicpoints.points.errors import InsufficientPoints
from civicpoints.points.models import PointAccount, PointTransaction, TransactionKind
from civicpoints.points.selectors import reconcile


def balance(user):
    return PointAccount.objects.get(resident=user).balance


def test_exchange_takes_points_and_stock_in_one_go(rich, offer):
    # when
    voucher = services.voucher_exchange(
        resident=rich.alice, offer_id=offer.pk, idempotency_key=key()
    )
    # then
    assert voucher.created and voucher.status == Voucher.Status.ISSUED
    assert len(voucher.code) == 16 and voucher.code.isalnum()
    assert voucher.expires_on == offer.valid_until
    assert balance(rich.alice) == 150
    assert Offer.objects.get(pk=offer.pk).stock == 9
    spend = voucher.spend
    assert (spend.kind, spend.points) == (TransactionKind.SPEND, -50)
    assert spend.cause_id == str(voucher.pk)
    assert reconcile() == []


def test_codes_are_distinct_and_random(rich, offer):
    codes = {services.new_voucher_code() for _ in range(200)}
    assert len(codes) == 200


def test_repeated_exchange_with_the_same_key_issues_once(rich, offer):
    # given
    k = key()
    first = services.voucher_exchange(resident=rich.alice, offer_id=offer.pk, idempotency_key=k)
    # when
    again = services.voucher_exchange(resident=rich.alice, offer_id=offer.pk, idempotency_key=k)
    # then
    assert again.pk == first.pk and again.created is False
    assert Voucher.objects.count() == 1
    assert balance(rich.alice) == 150
    assert Offer.objects.get(pk=offer.pk).stock == 9


def test_insufficient_points_writes_nothing(town, offer):
    # given: alice has 0 points
    # when / then
    with pytest.raises(InsufficientPoints):
        services.voucher_exchange(resident=town.alice, offer_id=offer.pk, idempotency_key=key())
    assert Voucher.objects.count() == 0
    assert Offer.objects.get(pk=offer.pk).stock == 10
    assert balance(town.alice) == 0


def test_per_resident_limit(rich, offer):
    services.voucher_exchange(resident=rich.alice, offer_id=offer.pk, idempotency_key=key())
    with pytest.raises(LimitReached) as exc:
        services.voucher_exchange(resident=rich.alice, offer_id=offer.pk, idempotency_key=key())
    assert exc.value.code == "per_resident_limit"
    assert balance(rich.alice) == 150


def test_a_cancelled_voucher_frees_the_limit(rich, offer):
    v = services.voucher_exchange(resident=rich.alice, offer_id=offer.pk, idempotency_key=key())
    services.voucher_cancel(resident=rich.alice, voucher_id=v.pk)
    again = services.voucher_exchange(resident=rich.alice, offer_id=offer.pk, idempotency_key=key())
    assert again.pk != v.pk


def test_out_of_stock(rich, town):
    offer = make_offer(town.merchant, stock=1)
    services.voucher_exchange(resident=rich.alice, offer_id=offer.pk, idempotency_key=key())
    with pytest.raises(OutOfStock) as exc:
        services.voucher_exchange(resident=rich.bob, offer_id=offer.pk, idempotency_key=key())
    assert exc.value.code == "out_of_stock"
    assert balance(rich.bob) == 200


@pytest.mark.parametrize("change", ["paused", "ended", "not_started", "merchant_suspended"])
def test_unavailable_offers_are_refused(rich, town, change):
    today = local_date()
    offer = make_offer(town.merchant)
    if change == "paused":
        services.offer_set_active(actor=town.merchant, offer_id=offer.pk, is_active=False)
    elif change == "ended":
        Offer.objects.filter(pk=offer.pk).update(
            valid_from=today - dt.timedelta(days=9), valid_until=today - dt.timedelta(days=1)
        )
    elif change == "not_started":
        Offer.objects.filter(pk=offer.pk).update(valid_from=today + dt.timedelta(days=1))
    else:
        services.merchant_set_status(
            actor=town.admin, merchant_id=town.shop.pk, status=Merchant.Status.SUSPENDED
        )
    with pytest.raises(OfferUnavailable):
        services.voucher_exchange(resident=rich.alice, offer_id=offer.pk, idempotency_key=key())
    assert balance(rich.alice) == 200


def test_offers_of_another_town_are_not_found(rich, town, offer):
    fund(town, town.carol, 100, staff=town.outsider_admin)
    with pytest.raises(NotFound):
        services.voucher_exchange(resident=town.carol, offer_id=offer.pk, idempotency_key=key())


def test_staff_cannot_exchange(rich, offer):
    with pytest.raises(OfferUnavailable):
        services.voucher_exchange(resident=rich.staff_a, offer_id=offer.pk, idempotency_key=key())


def test_short_key_is_invalid(rich, offer):
    with pytest.raises(Exception) as exc:
        services.voucher_exchange(resident=rich.alice, offer_id=offer.pk, idempotency_key="x")
    assert exc.value.code == "invalid" and exc.value.field == "idempotency_key"


def test_cancel_refunds_with_a_reversal_row_once(rich, offer):
    # given
    v = services.voucher_exchange(resident=rich.alice, offer_id=offer.pk, idempotency_key=key())
    # when: cancelled twice
    first = services.voucher_cancel(resident=rich.alice, voucher_id=v.pk)
    second = services.voucher_cancel(resident=rich.alice, voucher_id=v.pk)
    # then
    assert first.status == second.status == Voucher.Status.CANCELLED
    reversal = PointTransaction.objects.get(kind=TransactionKind.REVERSAL)
    assert (reversal.points, reversal.reverses_id) == (50, v.spend_id)
    assert first.refund_id == reversal.pk
    assert balance(rich.alice) == 200
    assert Offer.objects.get(pk=offer.pk).stock == 10
    assert reconcile() == []


def test_only_the_holder_cancels_and_not_after_redemption(rich, town, offer):
    v = services.voucher_exchange(resident=rich.alice, offer_id=offer.pk, idempotency_key=key())
    with pytest.raises(NotFound):
        services.voucher_cancel(resident=rich.bob, voucher_id=v.pk)
    services.voucher_redeem(actor=town.merchant, code=v.code)
    with pytest.raises(VoucherNotUsable) as exc:
        services.voucher_cancel(resident=rich.alice, voucher_id=v.pk)
    assert exc.value.code == "voucher_redeemed"
    assert balance(rich.alice) == 150


def test_merchant_staff_cannot_fund_from_the_town_budget(town):
    with pytest.raises(TownAdminOnly):
        make_offer(town.merchant, funded_by=Funding.SUBSIDY)


def test_subsidy_cap_stops_exchanges_and_refunds_release_it(rich, town):
    # given: a 10-yuan cap and a town-funded offer of 5 yuan off
    services.subsidy_budget_set(actor=town.admin, cap_fen=1000)
    offer = make_offer(town.admin, merchant_id=town.shop.pk, funded_by=Funding.SUBSIDY)
    services.voucher_exchange(resident=rich.alice, offer_id=offer.pk, idempotency_key=key())
    bobs = services.voucher_exchange(resident=rich.bob, offer_id=offer.pk, idempotency_key=key())
    dave = resident_register(
        mobile="13600136004", nickname="Dave", password=town.password, community=town.a
    )
    fund(town, dave, 100)
    # when: the cap is used up
    with pytest.raises(SubsidyExhausted) as exc:
        services.voucher_exchange(resident=dave, offer_id=offer.pk, idempotency_key=key())
    # then
    assert exc.value.code == "subsidy_exhausted"
    assert SubsidyBudget.objects.get(town=town.town).committed_fen == 1000
    assert balance(dave) == 100
    # when: bob cancels, 5 yuan come back to the budget and dave may exchange
    services.voucher_cancel(resident=rich.bob, voucher_id=bobs.pk)
    assert SubsidyBudget.objects.get(town=town.town).committed_fen == 500
    services.voucher_exchange(resident=dave, offer_id=offer.pk, idempotency_key=key())
    assert SubsidyBudget.objects.get(town=town.town).committed_fen == 1000
    assert reconcile() == []


def test_no_budget_means_no_subsidised_exchange(rich, town):
    offer = make_offer(town.admin, merchant_id=town.shop.pk, funded_by=Funding.SUBSIDY)
    with pytest.raises(SubsidyExhausted):
        services.voucher_exchange(resident=rich.alice, offer_id=offer.pk, idempotency_key=key())


def test_cap_cannot_go_below_committed(rich, town):
    services.subsidy_budget_set(actor=town.admin, cap_fen=1000)
    offer = make_offer(town.admin, merchant_id=town.shop.pk, funded_by=Funding.SUBSIDY)
    services.voucher_exchange(resident=rich.alice, offer_id=offer.pk, idempotency_key=key())
    with pytest.raises(Exception) as exc:
        services.subsidy_budget_set(actor=town.admin, cap_fen=499)
    assert exc.value.code == "below_committed"


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("discount_fen", {"discount_fen": 3600}),
        ("discount_fen", {"discount_fen": 0}),
        ("price_fen", {"price_fen": 35.0}),
        ("points_cost", {"points_cost": 0}),
        ("stock", {"stock": -1}),
        ("valid_until", {"valid_until": local_date() - dt.timedelta(days=1)}),
        ("title", {"title": "  "}),
    ],
)
def test_bad_offers_name_the_field(town, field, change):
    with pytest.raises(Exception) as exc:
        make_offer(town.merchant, **change)
    assert exc.value.status == 422 and exc.value.field == field
    assert Offer.objects.count() == 0
