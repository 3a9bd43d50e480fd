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
            resident=town.alice, rule=rule, idempotency_key="patrol-2026-11-29-alice"
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
            resident=town.alice, rule=reading, idempotency_key=f"read-{i:04d}"
        ),
    )
    assert sum(isinstance(r, PointTransaction) for r in results) == reading.daily_limit
    assert PointAccount.objects.get(resident=town.alice).balance == 2 * reading.daily_limit
    assert reconcile() == []
