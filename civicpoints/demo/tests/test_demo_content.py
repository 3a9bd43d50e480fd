"""The demo town's content (``demo/content.py``): every app shows a living town."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civicpoints.accounts.models import Role, User
from civicpoints.articles.models import Article, ArticleRead
from civicpoints.core.timeutil import local_date
from civicpoints.demo.town import DEMO_LOGINS, seed_town
from civicpoints.engagement.models import CheckIn
from civicpoints.events.models import Event, EventStatus, Outcome, SignUp, SignUpStatus
from civicpoints.merchants.models import Merchant, Offer, Voucher
from civicpoints.points.models import PointTransaction
from civicpoints.points.selectors import reconcile
from civicpoints.posts.models import Comment, Like, Post, PostPhoto, PostStatus
from civicpoints.posts.selectors import moderation_queue
from civicpoints.rankings.models import (
    Honour,
    HonourKind,
    HonourStatus,
    RankingSnapshot,
    SnapshotRun,
)
from civicpoints.reports.models import CaseStatus, PhotoKind, Report

pytestmark = pytest.mark.django_db


def _login(role: str) -> User:
    return User.objects.get(mobile=DEMO_LOGINS[role])


def test_a_small_demo_town_has_content_in_every_app_and_a_clean_ledger():
    # given / when: a small demo town
    result = seed_town(scale=0.005, quiet=True)
    now = timezone.now()
    resident = _login("resident")
    rongcheng = resident.community

    # then: articles — town-wide ones over the last two weeks, one for Rongcheng, read
    town_wide = Article.objects.filter(community__isnull=True)
    assert town_wide.count() >= 4 and town_wide.filter(published_at__lte=now).count() == (
        town_wide.count()
    )
    assert town_wide.filter(title__contains="积分怎么挣").exists()
    assert Article.objects.filter(community=rongcheng, published_at__lte=now).count() == 1
    oldest = town_wide.order_by("published_at").first().published_at
    assert (now - oldest).days < 14
    assert ArticleRead.objects.filter(reader=resident).exists()

    # posts — approved in both resident sections, some pending, comments and likes
    approved = Post.objects.filter(status=PostStatus.APPROVED)
    assert approved.count() >= 10
    assert {p.section.code for p in approved} == {"good_deeds", "neighbour_help"}
    assert approved.filter(author=resident).count() == 2
    assert 3 <= Post.objects.filter(status=PostStatus.PENDING).count() <= 5
    assert Comment.objects.exists() and Like.objects.exists()
    assert approved.exclude(award=None).exists()  # approvals awarded real ledger rows

    # reports — every workflow state, mostly in Rongcheng
    reports = Report.objects.all()
    assert set(reports.values_list("status", flat=True)) == set(CaseStatus.values)
    assert reports.filter(community=rongcheng).count() > reports.count() / 2
    for report in reports.filter(status__in=[CaseStatus.RECTIFIED, CaseStatus.CLOSED]):
        assert report.assignee.role == Role.GRID_WORKER
        assert report.photos.filter(kind=PhotoKind.AFTER).exists()
    assert reports.get(status=CaseStatus.REJECTED).reject_reason

    # events — two upcoming published (one with a waitlist), one completed, one draft
    upcoming = Event.objects.filter(status=EventStatus.PUBLISHED, starts_at__gt=now)
    assert upcoming.count() >= 2
    assert SignUp.objects.filter(event__in=upcoming, status=SignUpStatus.WAITLISTED).exists()
    done = Event.objects.get(status=EventStatus.COMPLETED)
    assert done.ends_at < now
    attended = done.signups.filter(outcome=Outcome.ATTENDED)
    assert attended.filter(points_awarded__gt=0).exists()
    assert done.signups.filter(outcome=Outcome.NO_SHOW).exists()
    assert Event.objects.filter(status=EventStatus.DRAFT).count() == 1

    # offers — one per approved merchant; 叶子发艺's haircut: 35 yuan, 5 off, 50 points
    shops = Merchant.objects.filter(status=Merchant.Status.APPROVED, town=resident.town)
    assert Offer.objects.filter(merchant__in=shops).count() == shops.count() == result.merchants
    haircut = Offer.objects.get(merchant__name="叶子发艺")
    assert (haircut.price_fen, haircut.discount_fen, haircut.points_cost) == (3500, 500, 50)

    # nothing dated in the future but scheduled events; the ledger reconciles
    assert not PointTransaction.objects.filter(created_at__gt=now).exists()
    assert not Post.objects.filter(Q(created_at__gt=now) | Q(published_at__gt=now)).exists()
    assert not SignUp.objects.filter(signed_up_at__gt=now).exists()
    assert result.content.posts_pending == Post.objects.filter(status="pending").count()
    assert reconcile() == []


def test_the_small_demo_town_has_a_history_that_looks_lived_in():
    """Issue 18's demo findings: one snapshot only, no honours, no photos or covers,
    every post at the seeding minute, "+1 每日签到" rows with no check-in, no real names."""
    # given / when: a small demo town
    seed_town(scale=0.005, quiet=True)
    now = timezone.now()
    today = local_date(now)

    # then: a daily ranking for each of the last 30 days (90 in the full town), with
    # yesterday's ranks compared with the day before (arrows, and a few new entries)
    days = sorted(set(RankingSnapshot.objects.values_list("day", flat=True)))
    assert days == [today - dt.timedelta(days=n) for n in range(30, 0, -1)]
    latest = RankingSnapshot.objects.filter(day=days[-1])
    assert latest.filter(previous_town_rank__isnull=False).count() > latest.count() / 2
    assert any(r.change_in("town") for r in latest)
    assert SnapshotRun.objects.count() == 30

    # published honours: the civic stars of the last three months, with their holders
    stars = Honour.objects.filter(kind=HonourKind.CIVIC_STAR, status=HonourStatus.PUBLISHED)
    assert stars.values("period_start").distinct().count() == 3
    assert all(h.resident_id and h.points > 0 for h in stars)

    # every "+1 每日签到" row has its check-in behind it, on its day, for its resident
    check_in_rows = PointTransaction.objects.filter(rule__code="daily_check_in")
    assert check_in_rows.count() == CheckIn.objects.count() > 0
    for row in check_in_rows.select_related("cause_type")[:200]:
        ci = row.cause
        assert isinstance(ci, CheckIn)
        assert (ci.resident_id, ci.day) == (row.resident_id, row.local_date)

    # posts are spread over months, not all at the seeding minute; talk comes after them
    approved = Post.objects.filter(status=PostStatus.APPROVED)
    dates = {local_date(p.published_at) for p in approved}
    assert len(dates) >= 5 and min(dates) < today - dt.timedelta(days=14)
    for post in approved.exclude(award=None):  # the award row is today's: so is the post
        assert now - post.published_at < dt.timedelta(days=1)
    for c in Comment.objects.select_related("post"):
        assert c.post.published_at <= c.created_at <= now
    assert all(p.created_at < p.published_at for p in approved)

    # reports, events, sign-ups and offers are spread over weeks too, in order
    reports = list(Report.objects.all())
    assert len({local_date(r.created_at) for r in reports}) >= 3  # awarded ones: today
    for report in reports:
        moves = list(report.events.order_by("pk"))
        times = [m.at for m in moves]
        assert times == sorted(times) and times[0] == report.created_at <= now
        assert report.updated_at == times[-1]
        if report.award_id is not None:  # the award row is today's: so is its case
            award_at = PointTransaction.objects.get(pk=report.award_id).created_at
            assert now - report.created_at < dt.timedelta(days=1)
            assert times[0] <= award_at and local_date(award_at) >= local_date(times[-1])
    events = Event.objects.all()
    assert len({local_date(e.created_at) for e in events}) >= 3
    for event in events:
        assert event.created_at < (event.published_at or now) <= now
        for signup in event.signups.all():
            assert event.published_at <= signup.signed_up_at < event.starts_at
            assert signup.signed_up_at <= now
            if signup.checked_in_at:
                assert event.starts_at - dt.timedelta(minutes=30) <= signup.checked_in_at
                assert signup.checked_in_at < event.ends_at
    offers = Offer.objects.all()
    assert offers and all(local_date(o.created_at) == o.valid_from < today for o in offers)
    # vouchers spend points: issued with their spend row (the ledger is append-only)
    for voucher in Voucher.objects.select_related("spend"):
        assert abs(voucher.issued_at - voucher.spend.created_at) < dt.timedelta(seconds=5)

    # photos on posts, a cover on an article
    assert PostPhoto.objects.filter(post__in=approved).exists()
    assert Article.objects.exclude(cover="").exists()

    # residents have real names: the many "丁叔" are told apart
    residents = User.objects.filter(role=Role.RESIDENT)
    assert not residents.filter(real_name="").exists()
    pairs = list(residents.values_list("nickname", "real_name"))
    assert len({n for n, _ in pairs}) < len(pairs)  # nicknames repeat …
    assert len(set(pairs)) > 0.9 * len(pairs)  # … names with them mostly do not
    assert reconcile() == []


def test_the_demo_logins_each_find_their_part():
    # given: a small demo town
    seed_town(scale=0.005, quiet=True)
    resident, staff, shop_staff = (
        _login("resident"),
        _login("community_staff"),
        _login("merchant"),
    )
    now = timezone.now()

    # then: the resident holds a redeemed haircut voucher and an issued one
    vouchers = Voucher.objects.filter(resident=resident)
    redeemed = vouchers.get(status=Voucher.Status.REDEEMED)
    assert redeemed.merchant.name == "叶子发艺" and redeemed.redeemed_by == shop_staff
    assert vouchers.filter(status=Voucher.Status.ISSUED, expires_on__gt=now.date()).count() == 1
    # … is signed up to an upcoming event, attended the past patrol, and has a post in review
    assert SignUp.objects.filter(
        resident=resident, status=SignUpStatus.CONFIRMED, event__starts_at__gt=now
    ).exists()
    assert SignUp.objects.filter(resident=resident, outcome=Outcome.ATTENDED).exists()
    # the Rongcheng staff member has pending posts to review, hers among them
    queue = moderation_queue(staff)
    assert 3 <= queue.count() <= 5
    assert queue.filter(author=resident).exists()
    assert all(p.author.community_id == staff.community_id for p in queue)


class _Rollback(Exception):
    pass


def _snapshot(seed: int) -> dict:
    """Seed in a savepoint, read what the content made (no times or codes), roll back."""
    out = {}
    try:
        with transaction.atomic():
            seed_town(scale=0.005, seed=seed, quiet=True)
            out = {
                "articles": list(
                    Article.objects.order_by("pk").values_list("title", "community__name")
                ),
                "posts": list(
                    Post.objects.order_by("pk").values_list(
                        "title", "author__mobile", "status", "like_count", "comment_count"
                    )
                ),
                "reports": list(
                    Report.objects.order_by("pk").values_list(
                        "place", "reporter__mobile", "status", "assignee__mobile"
                    )
                ),
                "signups": list(
                    SignUp.objects.order_by("pk").values_list(
                        "event__title", "resident__mobile", "status", "outcome", "minutes"
                    )
                ),
                "offers": list(
                    Offer.objects.order_by("pk").values_list(
                        "merchant__name", "title", "price_fen", "points_cost", "stock"
                    )
                ),
                "vouchers": list(
                    Voucher.objects.order_by("pk").values_list("offer__title", "status")
                ),
                "ledger": list(
                    PointTransaction.objects.exclude(idempotency_key__startswith="seed:")
                    .order_by("pk")
                    .values_list("resident__mobile", "kind", "points")
                ),
            }
            raise _Rollback
    except _Rollback:
        pass
    return out


def test_the_demo_content_is_the_same_for_the_same_seed():
    # when: the town is seeded twice with one seed, and once with another
    a, b, c = _snapshot(3), _snapshot(3), _snapshot(4)
    # then: the same titles, people and states; another seed picks other people
    assert a["posts"] and a["reports"] and a["signups"] and a["ledger"]
    assert a == b
    assert a["posts"] != c["posts"]


def test_the_demo_ships_a_district_with_the_story_town_and_a_small_second_town(client):
    # given: a small demo town
    seed_town(scale=0.005, quiet=True)
    district_admin = _login("district_admin")
    # then: the district admin has no town and two towns in the district
    assert (district_admin.role, district_admin.town_id) == (Role.DISTRICT_ADMIN, None)
    towns = district_admin.district.towns.order_by("code")
    assert [t.code for t in towns] == ["baishu", "baqiao"]
    second = towns[0]
    assert User.objects.filter(town=second, role=Role.RESIDENT).count() == 300
    assert PointTransaction.objects.filter(town=second).exists()
    assert _login("second_town_admin").town == second
    # and both demo logins sign in with the demo password, straight to their pages
    from civicpoints.demo.town import DEMO_PASSWORD

    client.post(
        "/accounts/login/", {"mobile": DEMO_LOGINS["district_admin"], "password": DEMO_PASSWORD}
    )
    page = client.get("/dashboard/district/")
    assert page.status_code == 200 and "柏树镇" in page.content.decode()
    assert client.get("/dashboard/", {"town": "baishu"}).status_code == 200
