"""Real threads against PostgreSQL: concurrent snapshot runs and honour publications."""

import datetime as dt

import pytest
from django.db import connection

from civicpoints.notifications.models import Notification
from civicpoints.points.tests.test_concurrency import run_threads
from civicpoints.rankings.models import Honour, HonourStatus, RankingSnapshot, SnapshotRun
from civicpoints.rankings.services import honours_evaluate, honours_publish, snapshot_take

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

D = dt.date(2026, 3, 1)


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_runs_of_one_day_write_one_snapshot(more, award):
    # given three ranked residents
    award(more.alice, 30)
    award(more.bob, 20)
    award(more.dan, 10)
    # when eight runs of the same day race
    results = run_threads(8, lambda i: snapshot_take(town=more.town, day=D))
    # then every run succeeds (they queue on the town row) and one set of rows stands
    assert results == [3] * 8, results
    assert RankingSnapshot.objects.filter(day=D).count() == 3
    assert SnapshotRun.objects.get(day=D).rows == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_publication_tells_each_holder_once(more, award):
    award(more.alice, 30)
    honours_evaluate(actor=more.staff_a, kind="civic_star", period_start=D)
    results = run_threads(
        6, lambda i: honours_publish(actor=more.staff_a, kind="civic_star", period_start=D)
    )
    assert sorted(results) == [0, 0, 0, 0, 0, 1], results
    assert Honour.objects.get().status == HonourStatus.PUBLISHED
    # (her points came with "points awarded" messages; the honour is told once)
    told = Notification.objects.filter(recipient=more.alice).exclude(kind="points_awarded")
    assert told.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_evaluations_leave_one_set_of_drafts(more, award):
    award(more.alice, 30)
    award(more.bob, 20)
    results = run_threads(
        6, lambda i: honours_evaluate(actor=more.admin, kind="civic_star", period_start=D)
    )
    assert all(isinstance(r, list) and len(r) == 2 for r in results), results
    assert sorted(Honour.objects.values_list("resident__nickname", flat=True)) == ["Alice", "Bob"]
