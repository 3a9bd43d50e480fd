"""Concurrent visits of one new reader through a share link award once (PostgreSQL)."""

import pytest
from django.db import connection

from civicpoints.points.models import PointTransaction
from civicpoints.points.tests.test_concurrency import run_threads
from civicpoints.sharing.models import ShareTarget, ShareVisit
from civicpoints.sharing.services import SHARE_RULE, share_token, share_visit_record

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and unique races need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_twelve_concurrent_visits_of_one_reader_award_the_sharer_once(town, catalog):
    # given: alice's link to an item (the service trusts the link for the item)
    token = share_token(
        sharer=town.alice, target=ShareTarget.ARTICLE, object_id=4242, town_id=town.town.pk
    )
    # when: bob's twelve tabs open it at once
    results = run_threads(
        12,
        lambda i: share_visit_record(
            token=token, reader=town.bob, target=ShareTarget.ARTICLE, object_id=4242
        ),
    )
    # then: no error; one visit, one award of one point
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.counted for r in results) == 1
    assert ShareVisit.objects.count() == 1
    rows = PointTransaction.objects.filter(resident=town.alice, rule__code=SHARE_RULE)
    assert list(rows.values_list("points", flat=True)) == [1]
    town.alice.point_account.refresh_from_db()
    assert town.alice.point_account.balance == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_new_readers_of_one_sharer_stop_at_the_daily_cap(town, catalog):
    # given: ten distinct new readers at once; the rule's cap is 5 a day
    from civicpoints.accounts.services import resident_register

    readers = [
        resident_register(
            mobile=f"1350000001{i}", nickname=f"C{i}", password=town.password, community=town.a
        )
        for i in range(10)
    ]
    token = share_token(
        sharer=town.alice, target=ShareTarget.EVENT, object_id=77, town_id=town.town.pk
    )
    # when
    results = run_threads(
        10,
        lambda i: share_visit_record(
            token=token, reader=readers[i], target=ShareTarget.EVENT, object_id=77
        ),
    )
    # then: ten visits, exactly five awards
    assert not [r for r in results if isinstance(r, Exception)], results
    assert ShareVisit.objects.count() == 10
    assert PointTransaction.objects.filter(resident=town.alice, rule__code=SHARE_RULE).count() == 5
