"""Verification at the counter, expiry refunds and reminders."""

import datetime as dt
from dataclasses import asdict

import pytest

from civicpoints.core.jobs import registered_jobs
from civicpoints.core.timeutil import local_date
from civicpoints.merchants import services
from civicpoints.merchants.errors import (
    MerchantOnly,
    VoucherNotFound,
    VoucherNotUsable,
    VoucherOtherMerchant,
)
from civicpoints.merchants.models import Merchant, Offer, Voucher
from civicpoints.merchants.services import vouchers as voucher_services
from civicpoints.merchants.tests.conftest import key, make_offer
from civicpoints.notifications.models import Notification, NotificationKind
from civicpoints.points.models import PointAccount, PointTransaction, TransactionKind
from civicpoints.points.selectors import reconcile


@pytest.fixture
def voucher(rich, offer):
    return services.voucher_exchange(resident=rich.alice, offer_id=offer.pk, idempotency_key=key())


def test_redeem_once_and_tell_the_holder(town, voucher):
    # when: typed with spaces and lower case
    seen = services.voucher_redeem(actor=town.merchant, code=voucher.code_display.lower())
    # then
    v = Voucher.objects.get(pk=voucher.pk)
    assert v.status == Voucher.Status.REDEEMED and v.redeemed_by == town.merchant
    assert Notification.objects.filter(
        recipient=town.alice, kind=NotificationKind.VOUCHER_REDEEMED
    ).exists()
    # the counter sees the offer, nickname and masked mobile — nothing more
    assert seen.nickname == "Alice" and seen.masked_mobile == town.alice.masked_mobile
    assert town.alice.mobile not in str(asdict(seen))
    # when: scanned again
    with pytest.raises(VoucherNotUsable) as exc:
        services.voucher_redeem(actor=town.merchant, code=voucher.code)
    assert exc.value.code == "voucher_redeemed"


def test_refused_at_another_merchant(town, voucher, other_shop):
    with pytest.raises(VoucherOtherMerchant) as exc:
        services.voucher_redeem(actor=other_shop.staff_user, code=voucher.code)
    assert exc.value.code == "voucher_other_merchant"
    with pytest.raises(VoucherOtherMerchant):
        services.voucher_check(actor=other_shop.staff_user, code=voucher.code)
    assert Voucher.objects.get(pk=voucher.pk).status == Voucher.Status.ISSUED


def test_refused_after_expiry(town, voucher, monkeypatch):
    # given: the day after the voucher's last valid local day
    after = voucher.expires_on + dt.timedelta(days=1)
    # patched where voucher_redeem looks it up
    monkeypatch.setattr(voucher_services, "local_date", lambda at=None, town=None: after)
    # when / then
    with pytest.raises(VoucherNotUsable) as exc:
        services.voucher_redeem(actor=town.merchant, code=voucher.code)
    assert exc.value.code == "voucher_expired"
    assert Voucher.objects.get(pk=voucher.pk).status == Voucher.Status.ISSUED


def test_valid_on_its_last_local_day(town, voucher, monkeypatch):
    monkeypatch.setattr(
        voucher_services, "local_date", lambda at=None, town=None: voucher.expires_on
    )
    services.voucher_redeem(actor=town.merchant, code=voucher.code)
    assert Voucher.objects.get(pk=voucher.pk).status == Voucher.Status.REDEEMED


def test_unknown_code_and_non_merchants(town, voucher):
    with pytest.raises(VoucherNotFound):
        services.voucher_redeem(actor=town.merchant, code="AAAABBBBCCCCDDDD")
    for who in (town.alice, town.staff_a, town.admin):
        with pytest.raises(MerchantOnly):
            services.voucher_redeem(actor=who, code=voucher.code)


def test_a_suspended_merchant_cannot_redeem(town, voucher):
    services.merchant_set_status(
        actor=town.admin, merchant_id=town.shop.pk, status=Merchant.Status.SUSPENDED
    )
    with pytest.raises(MerchantOnly):
        services.voucher_redeem(actor=town.merchant, code=voucher.code)


def test_cancelled_voucher_is_refused(town, voucher):
    services.voucher_cancel(resident=town.alice, voucher_id=voucher.pk)
    with pytest.raises(VoucherNotUsable) as exc:
        services.voucher_redeem(actor=town.merchant, code=voucher.code)
    assert exc.value.code == "voucher_cancelled"


def test_expiry_refund_runs_twice_but_refunds_once(town, rich, offer):
    # given: alice's voucher expires, bob's is redeemed, a third is still valid
    short = make_offer(town.merchant, valid_until=local_date())
    expiring = services.voucher_exchange(
        resident=rich.alice, offer_id=short.pk, idempotency_key=key()
    )
    used = services.voucher_exchange(resident=rich.bob, offer_id=short.pk, idempotency_key=key())
    services.voucher_redeem(actor=town.merchant, code=used.code)
    valid = services.voucher_exchange(resident=rich.bob, offer_id=offer.pk, idempotency_key=key())
    tomorrow = local_date() + dt.timedelta(days=1)
    # when
    first = services.vouchers_expire(today=tomorrow)
    second = services.vouchers_expire(today=tomorrow)
    # then
    assert (first, second) == (1, 0)
    assert Voucher.objects.get(pk=expiring.pk).status == Voucher.Status.EXPIRED
    assert Voucher.objects.get(pk=used.pk).status == Voucher.Status.REDEEMED
    assert Voucher.objects.get(pk=valid.pk).status == Voucher.Status.ISSUED
    refunds = PointTransaction.objects.filter(kind=TransactionKind.REVERSAL)
    assert [(r.resident_id, r.points) for r in refunds] == [(town.alice.pk, 50)]
    assert PointAccount.objects.get(resident=town.alice).balance == 200
    assert PointAccount.objects.get(resident=town.bob).balance == 100
    # stock is not given back for an offer that has ended
    assert Offer.objects.get(pk=short.pk).stock == 8
    assert reconcile() == []


def test_expiry_job_is_registered_and_idempotent(town, rich):
    jobs = registered_jobs()
    job = jobs["merchants.expire_vouchers"]
    assert (job.cron, job.catch_up) == ("10 0 * * *", True)
    # nothing due today: running it changes nothing
    assert job.func() == "0 vouchers expired and refunded"


def test_expiring_reminder_is_sent_once(town, voucher):
    day = voucher.expires_on - dt.timedelta(days=2)
    assert services.vouchers_remind_expiring(today=day) == 1
    assert services.vouchers_remind_expiring(today=day) == 0
    assert (
        Notification.objects.filter(
            kind=NotificationKind.VOUCHER_EXPIRING, recipient=town.alice
        ).count()
        == 1
    )


def test_no_reminder_long_before_expiry(town, voucher):
    assert services.vouchers_remind_expiring(today=local_date()) == 0
