"""Opening an article earns the reading rule once per article, within the local-day cap."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from civicpoints.articles.errors import ArticleNotFound
from civicpoints.articles.models import ArticleRead
from civicpoints.articles.selectors import article_for_staff, articles_visible
from civicpoints.articles.services import ReadOutcome, article_read
from civicpoints.points.models import PointAccount, PointTransaction
from civicpoints.points.selectors import reconcile

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _balance(user) -> int:
    return PointAccount.objects.get(resident=user).balance


def test_reading_the_same_article_twice_earns_once(town, reading_rule, publish):
    # given
    article = publish("Winter safety")
    # when: opened, reloaded, opened again
    first = article_read(reader=town.alice, article_id=article.pk)
    second = article_read(reader=town.alice, article_id=article.pk)
    third = article_read(reader=town.alice, article_id=article.pk)
    # then: one award of 2 points, one read row
    assert (first.outcome, first.points_earned, first.first_read) == (ReadOutcome.AWARDED, 2, True)
    assert [r.outcome for r in (second, third)] == [ReadOutcome.ALREADY_AWARDED] * 2
    assert (second.points_earned, second.first_read) == (0, False)
    assert second.award.pk == first.award.pk
    assert PointTransaction.objects.filter(resident=town.alice).count() == 1
    assert _balance(town.alice) == reading_rule.points == 2
    assert ArticleRead.objects.filter(article=article).count() == 1
    assert reconcile() == []


def test_daily_cap_counts_local_days_not_utc(town, reading_rule, publish):
    # given: six articles; 23:59 and 00:01 Shanghai time are the same UTC day
    published = dt.datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI)
    articles = [publish(f"A{i}", at=published) for i in range(6)]
    late = dt.datetime(2026, 11, 20, 23, 59, tzinfo=SHANGHAI)
    after_midnight = dt.datetime(2026, 11, 21, 0, 1, tzinfo=SHANGHAI)
    assert late.astimezone(dt.UTC).date() == after_midnight.astimezone(dt.UTC).date()
    # when: five reads at 23:59 fill the cap of 5; the sixth at 23:59 is refused
    outcomes = [article_read(reader=town.alice, article_id=a.pk, at=late).outcome for a in articles]
    # then
    assert outcomes == [ReadOutcome.AWARDED] * 5 + [ReadOutcome.CAP_REACHED]
    assert _balance(town.alice) == 10
    # when: the same sixth article two minutes later, after local midnight
    next_day = article_read(reader=town.alice, article_id=articles[5].pk, at=after_midnight)
    # then: a new local day, it earns now (and only once: it was never awarded before)
    assert next_day.outcome == ReadOutcome.AWARDED and next_day.first_read is False
    assert next_day.award.local_date == dt.date(2026, 11, 21)
    assert _balance(town.alice) == 12
    assert ArticleRead.objects.filter(reader=town.alice).count() == 6


def test_staff_reading_is_counted_but_earns_nothing(town, reading_rule, publish):
    article = publish("For everyone")
    reading = article_read(reader=town.staff_a, article_id=article.pk)
    assert reading.outcome == ReadOutcome.NOT_ELIGIBLE and reading.award is None
    assert not PointTransaction.objects.exists()
    assert article_for_staff(town.admin, article.pk).read_count == 1


def test_a_disabled_reading_rule_still_records_the_read(town, reading_rule, publish):
    from civicpoints.points.governance import rule_change

    rule_change(
        actor=town.admin, rule_id=reading_rule.pk, changes={"is_active": False}, reason="停用"
    )
    article = publish("Quiet")
    reading = article_read(reader=town.alice, article_id=article.pk)
    assert reading.outcome == ReadOutcome.NOT_ELIGIBLE
    assert ArticleRead.objects.filter(article=article, reader=town.alice).exists()


def test_future_drafts_and_other_audiences_are_not_readable(town, reading_rule, publish):
    # given: a scheduled article, a draft (via staff), and one for community B
    future = publish("Tomorrow", at=dt.datetime(2099, 1, 1, tzinfo=SHANGHAI))
    for_b = publish("For B", by=town.staff_b, community=town.b)
    from civicpoints.articles.services import article_create

    draft = article_create(actor=town.staff_a, title="Draft", body_markdown="x", community=town.a)
    # when / then: alice (community A) can open none of them, and nothing is written
    for article in (future, for_b, draft):
        with pytest.raises(ArticleNotFound) as exc:
            article_read(reader=town.alice, article_id=article.pk)
        assert exc.value.code == "article_not_found"
    assert not ArticleRead.objects.exists() and not PointTransaction.objects.exists()
    # and another town's admin cannot either
    town_wide = publish("Town-wide")
    with pytest.raises(ArticleNotFound):
        article_read(reader=town.outsider_admin, article_id=town_wide.pk)


def test_feed_is_newest_first_with_my_read_marks(town, reading_rule, publish):
    # given
    base = dt.datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI)
    old = publish("Old", at=base)
    mine = publish("Community A", by=town.staff_a, community=town.a, at=base + dt.timedelta(days=1))
    publish("Community B", by=town.staff_b, community=town.b, at=base + dt.timedelta(days=2))
    new = publish("New", at=base + dt.timedelta(days=3))
    article_read(reader=town.alice, article_id=old.pk)
    # when
    feed = list(articles_visible(town.alice))
    # then
    assert [a.title for a in feed] == ["New", "Community A", "Old"]
    assert {a.pk: a.read_by_me for a in feed} == {new.pk: False, mine.pk: False, old.pk: True}
    # bob's marks are his own
    assert not any(a.read_by_me for a in articles_visible(town.bob))
