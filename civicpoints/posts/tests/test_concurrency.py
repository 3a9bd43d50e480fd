"""Real threads on PostgreSQL: a post or a case moves once, however many clicks race."""

import pytest
from django.db import connection

from civicpoints.notifications.models import Notification
from civicpoints.points.models import PointAccount, PointTransaction, TransactionKind
from civicpoints.points.selectors import reconcile
from civicpoints.points.tests.test_concurrency import run_threads
from civicpoints.posts import services
from civicpoints.posts.errors import IllegalMove
from civicpoints.posts.models import Like, ModerationEvent, Post

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


@pytest.mark.django_db(transaction=True)
def test_ten_reviewers_approving_at_once_publish_and_award_once(town, make_post):
    # given
    post = make_post(claim="voluntary_patrol")
    # when
    results = run_threads(10, lambda i: services.post_approve(actor=town.staff_a, post=post))
    # then
    ok = [r for r in results if isinstance(r, Post)]
    refused = [r for r in results if isinstance(r, IllegalMove)]
    assert (len(ok), len(refused)) == (1, 9), results
    assert ModerationEvent.objects.filter(post=post, action="approved").count() == 1
    assert Notification.objects.filter(recipient=town.alice).count() == 2  # points + approval
    assert PointAccount.objects.get(resident=town.alice).balance == 50
    assert reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_ten_take_downs_at_once_reverse_once(town, make_post):
    post = make_post(claim="voluntary_patrol", approve_by=town.staff_a)
    results = run_threads(
        10, lambda i: services.post_take_down(actor=town.staff_a, post=post, reason="fake")
    )
    assert sum(isinstance(r, Post) for r in results) == 1, results
    assert PointTransaction.objects.filter(kind=TransactionKind.REVERSAL).count() == 1
    assert ModerationEvent.objects.filter(post=post, action="taken_down").count() == 1
    assert PointAccount.objects.get(resident=town.alice).balance == 0
    assert reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_one_person_double_tapping_like_leaves_a_consistent_count(town, make_post):
    post = make_post(approve_by=town.staff_a)
    results = run_threads(8, lambda i: services.like_toggle(user=town.bob, post=post))
    assert all(isinstance(r, tuple) for r in results), results
    post.refresh_from_db()
    assert post.like_count == Like.objects.filter(post=post).count() == 0  # 8 toggles: off
