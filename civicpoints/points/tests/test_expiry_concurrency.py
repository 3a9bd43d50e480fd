"""Real threads on PostgreSQL: the expiry job racing exchanges never takes a
balance below zero, and each person loses exactly what FIFO says."""

import datetime as dt

import pytest
from django.db import connection

from civicpoints.accounts.services import resident_register
from civicpoints.merchants.services import voucher_exchange
from civicpoints.merchants.tests.conftest import make_offer
from civicpoints.points import expiry
from civicpoints.points.errors import InsufficientPoints
from civicpoints.points.models import ExpiryPolicy, PointAccount, PointTransaction
from civicpoints.points.selectors import reconcile
from civicpoints.points.tests.test_concurrency import run_threads
from civicpoints.points.tests.test_expiry import earn

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


@pytest.mark.django_db(transaction=True)
def test_expiry_job_racing_exchanges_never_goes_below_zero(town, rule):
    # given: eight residents with 100 points of 2024 and 50 of 2025, and an offer
    # costing 100 points; 2024's points expire at the end of 2025-12-31
    people = [
        resident_register(
            mobile=f"1360000{i:04d}", nickname=f"r{i}", password=town.password, community=town.a
        )
        for i in range(8)
    ]
    for person in people:
        earn(person, rule, dt.date(2024, 4, 1))
        earn(person, rule, dt.date(2024, 5, 1))
        earn(person, rule, dt.date(2025, 6, 1))
    offer = make_offer(town.merchant, points_cost=100, stock=20)
    ExpiryPolicy.objects.create(
        town=town.town, enabled=True, years_kept=1, first_expiry_on=dt.date(2025, 12, 31)
    )

    def act(i: int) -> object:
        if i == 0:
            return expiry.points_expire_due(today=dt.date(2026, 1, 1))
        return voucher_exchange(
            resident=people[i - 1], offer_id=offer.pk, idempotency_key=f"race-{i:08d}"
        )

    # when: the job and eight exchanges start together
    results = run_threads(9, act)
    # then: an exchange either went first (nothing old is left to expire) or found
    # too few points after the expiry; nobody lost more than FIFO allows
    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(e, InsufficientPoints) for e in errors), errors
    assert not isinstance(results[0], Exception)
    for person in people:
        assert PointAccount.objects.get(resident=person).balance == 50
        rows = PointTransaction.objects.filter(resident=person).exclude(kind="award")
        assert [r.points for r in rows] == [-100]  # one spend or one expiry, never both
    assert results[0] == len(errors)
    assert reconcile() == []
