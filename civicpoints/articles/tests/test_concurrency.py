"""Two tabs opening the same article at once earn once (real threads on PostgreSQL)."""

import pytest
from django.db import connection

from civicpoints.articles.models import ArticleRead
from civicpoints.articles.services import ReadOutcome, article_read
from civicpoints.points.models import PointAccount, PointTransaction
from civicpoints.points.selectors import reconcile
from civicpoints.points.tests.test_concurrency import run_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


@pytest.mark.django_db(transaction=True)
def test_concurrent_opens_of_one_article_award_once(town, reading_rule, publish):
    # given
    article = publish("Flood drill")
    # when: eight requests open it at the same moment
    results = run_threads(8, lambda i: article_read(reader=town.alice, article_id=article.pk))
    # then: all succeed, exactly one awards and is the first read; one row each
    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.outcome == ReadOutcome.AWARDED for r in results) == 1
    assert sum(r.first_read for r in results) == 1
    assert {r.outcome for r in results} == {ReadOutcome.AWARDED, ReadOutcome.ALREADY_AWARDED}
    assert PointTransaction.objects.filter(resident=town.alice).count() == 1
    assert ArticleRead.objects.filter(article=article).count() == 1
    assert PointAccount.objects.get(resident=town.alice).balance == reading_rule.points
    assert reconcile() == []
