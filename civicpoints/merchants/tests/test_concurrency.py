"""Real threads against PostgreSQL: one redemption per code, one voucher per last unit."""

import pytest
from django.db import connection

from civicpoints.accounts.services import resident_register
from civicpoints.merchants import services
from civicpoints.merchants.errors import OutOfStock, SubsidyExhausted, VoucherNotUsable
from civicpoints.merchants.models import Funding, Offer, SubsidyBudget, Voucher
from civicpoints.merchants.tests.conftest import fund, key, make_offer
from civicpoints.points.models import PointAccount
from civicpoints.points.selectors import reconcile
from civicpoints.points.tests.test_concurrency import run_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_verifications_exactly_one_succeeds(rich, offer):
    # given
    v = services.voucher_exchange(resident=rich.alice, offer_id=offer.pk, idempotency_key=key())
    # when: two counters scan the same code at once
    results = run_threads(2, lambda i: services.voucher_redeem(actor=rich.merchant, code=v.code))
    # then
    ok = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, VoucherNotUsable)]
    assert (len(ok), len(refused)) == (1, 1), results
    assert refused[0].code == "voucher_redeemed"
    assert Voucher.objects.get(pk=v.pk).status == Voucher.Status.REDEEMED


@pytest.mark.django_db(transaction=True)
def test_residents_racing_for_the_last_unit_get_one_voucher(rich, town):
    # given: one unit left, two funded residents
    offer = make_offer(town.merchant, stock=1)
    people = [rich.alice, rich.bob]
    # when
    results = run_threads(
        2,
        lambda i: services.voucher_exchange(
            resident=people[i], offer_id=offer.pk, idempotency_key=key(1000 + i)
        ),
    )
    # then
    assert sum(isinstance(r, Voucher) for r in results) == 1, results
    assert sum(isinstance(r, OutOfStock) for r in results) == 1, results
    assert Voucher.objects.count() == 1
    assert Offer.objects.get(pk=offer.pk).stock == 0
    balances = sorted(
        PointAccount.objects.filter(resident__in=people).values_list("balance", flat=True)
    )
    assert balances == [150, 200]
    assert reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_one_resident_racing_for_more_than_the_limit_gets_one(rich, offer):
    results = run_threads(
        6,
        lambda i: services.voucher_exchange(
            resident=rich.alice, offer_id=offer.pk, idempotency_key=key(2000 + i)
        ),
    )
    assert sum(isinstance(r, Voucher) for r in results) == 1, results
    assert PointAccount.objects.get(resident=rich.alice).balance == 150
    assert reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_subsidy_cap_holds_under_a_race(town):
    # given: a cap for exactly two 5-yuan discounts and five funded residents
    services.subsidy_budget_set(actor=town.admin, cap_fen=1000)
    offer = make_offer(town.admin, merchant_id=town.shop.pk, funded_by=Funding.SUBSIDY)
    people = [
        resident_register(
            mobile=f"1360013600{i}", nickname=f"r{i}", password=town.password, community=town.a
        )
        for i in range(5)
    ]
    for p in people:
        fund(town, p, 60)
    # when
    results = run_threads(
        5,
        lambda i: services.voucher_exchange(
            resident=people[i], offer_id=offer.pk, idempotency_key=key(3000 + i)
        ),
    )
    # then
    assert sum(isinstance(r, Voucher) for r in results) == 2, results
    assert sum(isinstance(r, SubsidyExhausted) for r in results) == 3, results
    assert SubsidyBudget.objects.get(town=town.town).committed_fen == 1000
    assert reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_redeem_and_expiry_refund_race_one_wins(rich, town, monkeypatch):
    # given: a voucher on its last day; the expiry job runs "tomorrow" while the counter scans
    import datetime as dt

    from civicpoints.core.timeutil import local_date

    offer = make_offer(town.merchant, valid_until=local_date())
    v = services.voucher_exchange(resident=rich.alice, offer_id=offer.pk, idempotency_key=key())
    tomorrow = local_date() + dt.timedelta(days=1)

    def act(i):
        if i == 0:
            return services.voucher_redeem(actor=town.merchant, code=v.code)
        return services.vouchers_expire(today=tomorrow)

    results = run_threads(2, act)
    status = Voucher.objects.get(pk=v.pk).status
    balance = PointAccount.objects.get(resident=rich.alice).balance
    # then: either redeemed (no refund) or expired (refund), never both
    assert (status, balance) in {(Voucher.Status.REDEEMED, 150), (Voucher.Status.EXPIRED, 200)}, (
        results
    )
    assert reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_a_double_click_race_issues_one_voucher(rich, town):
    # given: plenty of stock and a limit of 5, so only the key can stop the second voucher
    offer = make_offer(town.merchant, per_resident_limit=5)
    # when: the same request key arrives four times at once
    results = run_threads(
        4,
        lambda i: services.voucher_exchange(
            resident=rich.alice, offer_id=offer.pk, idempotency_key="double-click-0001"
        ),
    )
    # then
    assert all(isinstance(r, Voucher) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert PointAccount.objects.get(resident=rich.alice).balance == 150
    assert Offer.objects.get(pk=offer.pk).stock == 9
    assert not PointAccount.objects.filter(balance__lt=0).exists()
    assert reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_racing_exchanges_of_different_offers_never_go_negative(town):
    # given: 60 points and two 50-point offers (different offer rows, so only the
    # account lock stands between them)
    fund(town, town.alice, 60)
    offers = [make_offer(town.merchant), make_offer(town.merchant, title="Wash")]
    # when
    results = run_threads(
        2,
        lambda i: services.voucher_exchange(
            resident=town.alice, offer_id=offers[i].pk, idempotency_key=key(4000 + i)
        ),
    )
    # then
    from civicpoints.points.errors import InsufficientPoints

    assert sum(isinstance(r, Voucher) for r in results) == 1, results
    assert sum(isinstance(r, InsufficientPoints) for r in results) == 1, results
    assert PointAccount.objects.get(resident=town.alice).balance == 10
    assert sorted(Offer.objects.values_list("stock", flat=True)) == [9, 10]
    assert reconcile() == []
