"""Real threads against PostgreSQL: idempotency and balances hold under races.

SQLite serializes writers (IMMEDIATE transactions), so these prove the row
locks and constraints on the production database.
"""

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from civicpoints.points import services
from civicpoints.points.errors import InsufficientPoints
from civicpoints.points.models import PointAccount, PointTransaction, TransactionKind
from civicpoints.points.selectors import reconcile

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def run_threads(n: int, target: Callable[[int], object]) -> list[object]:
    """Start ``n`` threads on ``target(i)`` behind a barrier; return their results/errors."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted on
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_same_idempotency_key_award_once(town, rule):
    results = run_threads(
        20,
        lambda i: services.points_award(
            actor=town.admin,
            resident=town.alice,
            rule=rule,
            idempotency_key="patrol-2026-11-29-alice",
        ),
    )
    assert all(not isinstance(r, Exception) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert sum(1 for r in results if r.created) == 1
    assert PointTransaction.objects.filter(resident=town.alice).count() == 1
    assert PointAccount.objects.get(resident=town.alice).balance == rule.points
    assert reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_spending_ten_from_a_hundred(town):
    # given: a balance of exactly 100
    services.points_adjust(
        actor=town.staff_a,
        resident=town.alice,
        points=100,
        reason="opening balance",
        idempotency_key="open-0001",
    )
    # when: 20 threads each spend 10 with their own key
    results = run_threads(
        20,
        lambda i: services.points_spend(
            resident=town.alice, points=10, idempotency_key=f"spend-{i:04d}"
        ),
    )
    # then: exactly 10 succeed, 10 get InsufficientPoints, nothing negative
    ok = [r for r in results if isinstance(r, PointTransaction)]
    refused = [r for r in results if isinstance(r, InsufficientPoints)]
    assert (len(ok), len(refused)) == (10, 10), results
    assert PointAccount.objects.get(resident=town.alice).balance == 0
    spends = PointTransaction.objects.filter(resident=town.alice, kind=TransactionKind.SPEND)
    assert spends.count() == 10
    assert sorted(spends.values_list("balance_after", flat=True)) == list(range(0, 100, 10))
    assert reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_capped_awards_respect_the_daily_cap(town, catalog):
    from civicpoints.points.models import PointRule

    reading = PointRule.objects.get(code="article_reading")
    results = run_threads(
        12,
        lambda i: services.points_award(
            actor=town.admin, resident=town.alice, rule=reading, idempotency_key=f"read-{i:04d}"
        ),
    )
    assert sum(isinstance(r, PointTransaction) for r in results) == reading.daily_limit
    assert PointAccount.objects.get(resident=town.alice).balance == 2 * reading.daily_limit
    assert reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_racing_awards_never_exceed_the_monthly_budget(town, rule):
    # given: 12 residents and a budget of 4 patrol awards (200 points) this month
    from civicpoints.accounts.services import resident_register
    from civicpoints.points import budgets
    from civicpoints.points.errors import BudgetExhausted
    from civicpoints.points.models import BudgetUse, PointRule

    people = [
        resident_register(
            mobile=f"136000002{i:02d}", nickname=f"P{i}", password=town.password, community=town.a
        )
        for i in range(12)
    ]
    budgets.budget_set(actor=town.admin, rule=rule, points=200, mode="refuse")
    fresh = PointRule.objects.get(pk=rule.pk)
    # when: 12 threads award at once, each to another resident
    results = run_threads(
        12,
        lambda i: services.points_award(
            actor=town.admin, resident=people[i], rule=fresh, idempotency_key=f"budget-race-{i}"
        ),
    )
    # then: exactly 4 written, 8 refused, the counter and the ledger agree
    ok = [r for r in results if isinstance(r, PointTransaction)]
    refused = [r for r in results if isinstance(r, BudgetExhausted)]
    assert len(ok) == 4 and len(refused) == 8, results
    assert PointTransaction.objects.filter(rule=rule).count() == 4
    assert BudgetUse.objects.get().used == 200
    assert reconcile() == []
