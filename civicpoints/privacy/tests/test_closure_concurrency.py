"""Real threads on PostgreSQL: closing an account while other sessions of it exchange
points, cancel vouchers and sign up (docs/CONVENTIONS.md, "Lock order")."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from civicpoints.accounts.models import User
from civicpoints.core.errors import DomainError
from civicpoints.merchants import services as merchants
from civicpoints.merchants.models import Offer, Voucher
from civicpoints.merchants.tests.conftest import fund, make_offer
from civicpoints.points.models import PointAccount
from civicpoints.points.selectors import reconcile
from civicpoints.points.tests.test_concurrency import run_threads
from civicpoints.privacy.services import account_close

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def _outcome(results):
    """Every result is a value or a domain refusal (4xx) — never a deadlock or other 500."""
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)]
    assert unexpected == [], unexpected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_closing_an_account_while_it_exchanges_leaves_no_voucher_and_no_deadlock(town, round_):
    # given: alice holds 1,000 points, two vouchers already, and five offers in stock
    fund(town, town.alice, 1000)
    offers = [make_offer(town.merchant, title=f"Offer {i}", points_cost=20) for i in range(5)]
    held = [
        merchants.voucher_exchange(
            resident=town.alice, offer_id=offers[i].pk, idempotency_key=f"held-{round_}-{i:04d}"
        )
        for i in range(2)
    ]
    stock_before = sum(
        Offer.objects.filter(pk__in=[o.pk for o in offers]).values_list("stock", flat=True)
    )

    # when: one session closes the account while seven others exchange and cancel
    def act(i):
        if i == 0:
            return account_close(user=town.alice, password=town.password)
        if i == 1:
            return merchants.voucher_cancel(resident=town.alice, voucher_id=held[0].pk)
        offer = offers[(i - 2) % len(offers)]
        return merchants.voucher_exchange(
            resident=town.alice, offer_id=offer.pk, idempotency_key=f"race-{round_}-{i:04d}"
        )

    results = run_threads(8, act)

    # then: no deadlock, no 500; the account is closed with no usable voucher;
    # every point and every unit of stock is back
    _outcome(results)
    alice = User.objects.get(pk=town.alice.pk)
    assert not alice.is_active
    assert not Voucher.objects.filter(resident=alice, status=Voucher.Status.ISSUED).exists()
    assert PointAccount.objects.get(resident=alice).balance == 1000
    stock_after = sum(
        Offer.objects.filter(pk__in=[o.pk for o in offers]).values_list("stock", flat=True)
    )
    assert stock_after == stock_before + len(held)
    assert reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_closing_an_account_while_it_signs_up_does_not_deadlock(town, catalog):
    # given: three upcoming events alice is signed up to, three more open
    from civicpoints.events import services as events
    from civicpoints.events.models import SignUp, SignUpStatus
    from civicpoints.points.services import rule_get

    start = timezone.now() + dt.timedelta(days=5)
    evs = []
    for i in range(6):
        ev = events.event_create(
            actor=town.staff_a,
            rule=rule_get("volunteer_service", town_id=town.town.pk),
            title=f"Event {i}",
            place="Hall",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            signup_deadline=start - dt.timedelta(days=1),
            capacity=5,
        )
        evs.append(events.event_publish(actor=town.staff_a, event=ev))
    for ev in evs[:3]:
        events.event_sign_up(resident=town.alice, event=ev)

    # when: the closure races sign-ups to every event (the ones she holds too)
    def act(i):
        if i == 0:
            return account_close(user=town.alice, password=town.password)
        return events.event_sign_up(resident=town.alice, event=evs[(i - 1) % len(evs)])

    results = run_threads(7, act)

    # then: no deadlock, and a closed account holds no active sign-up
    _outcome(results)
    assert not User.objects.get(pk=town.alice.pk).is_active
    assert not SignUp.objects.filter(
        resident=town.alice, status__in=[SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED]
    ).exists()
