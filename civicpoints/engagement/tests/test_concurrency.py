"""Races on PostgreSQL with real threads: a double tap earns once."""

import pytest
from django.db import connection

from civicpoints.engagement import services
from civicpoints.engagement.models import CheckIn, PledgeSignature
from civicpoints.points.models import PointAccount, PointTransaction
from civicpoints.points.tests.test_concurrency import run_threads

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and races need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_check_ins_award_once(town, catalog):
    results = run_threads(10, lambda i: services.check_in(resident=town.alice))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert CheckIn.objects.filter(resident=town.alice).count() == 1
    assert PointTransaction.objects.filter(resident=town.alice).count() == 1
    assert PointAccount.objects.get(resident=town.alice).balance == 1
    assert sum(1 for r in results if r.first) == 1


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_pledges_sign_and_award_once(town, catalog):
    results = run_threads(10, lambda i: services.pledge_sign(resident=town.alice))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert PledgeSignature.objects.count() == 1
    assert PointAccount.objects.get(resident=town.alice).balance == 5


@pytest.mark.django_db(transaction=True)
def test_simultaneous_quiz_passes_award_once(town, quiz):
    from civicpoints.engagement.tests.conftest import answers

    picks = answers(quiz, [1, 0])
    results = run_threads(
        8,
        lambda i: services.quiz_submit(
            resident=town.alice, quiz_id=quiz.pk, answers=picks, idempotency_key=f"race-{i:04d}"
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert PointTransaction.objects.filter(resident=town.alice).count() == 1
    assert PointAccount.objects.get(resident=town.alice).balance == 3
