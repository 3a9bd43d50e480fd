"""Period and household boards, my rank outside the top, honours evaluated and published."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from civicpoints.accounts.models import Household
from civicpoints.core.errors import InvalidInput, NotFound, OutOfScope
from civicpoints.notifications.models import Notification
from civicpoints.points.selectors import Period, Scope, leaderboard
from civicpoints.rankings.models import Honour, HonourStatus
from civicpoints.rankings.selectors import honours_of, household_leaderboard
from civicpoints.rankings.services import honours_evaluate, honours_publish, snapshot_take

D = dt.date(2026, 3, 18)  # a Wednesday


def test_period_boards_count_points_earned_in_the_week_and_year(more, award):
    # given bob earned 100 last year, alice 20 on Monday of this week, eve 30 last Sunday
    t = more
    award(t.bob, 100, dt.date(2025, 12, 31))
    award(t.alice, 20, dt.date(2026, 3, 16))
    award(t.eve, 30, dt.date(2026, 3, 15))
    # when / then
    week = leaderboard(t.alice, period=Period.WEEK, today=D)
    assert [(r.nickname, r.points) for r in week.rows] == [("Alice", 20)]
    year = leaderboard(t.alice, period=Period.YEAR, today=D)
    assert [(r.nickname, r.rank) for r in year.rows] == [("Eve", 1), ("Alice", 2)]
    assert [r.nickname for r in leaderboard(t.alice, period=Period.ALL).rows][0] == "Bob"


def test_my_rank_shows_outside_the_top_rows(more, award):
    t = more
    award(t.bob, 30)
    award(t.eve, 20)
    award(t.alice, 10)
    board = leaderboard(t.alice, limit=1)
    assert [r.nickname for r in board.rows] == ["Bob"]
    assert (board.my_rank, board.my_points) == (3, 10)


def test_household_board_sums_active_members_and_ranks_ties(more, award):
    # given household H1 = alice + dan, H2 = eve, H3 = bob (community B)
    t = more
    h1 = Household.objects.create(community=t.a, name="1号")
    h2 = Household.objects.create(community=t.a, name="2号")
    h3 = Household.objects.create(community=t.b, name="3号")
    for person, h in ((t.alice, h1), (t.dan, h1), (t.eve, h2), (t.bob, h3)):
        person.household = h
        person.save(update_fields=["household"])
    award(t.alice, 30)
    award(t.dan, 20)
    award(t.eve, 50)
    award(t.bob, 10)
    # when / then
    town_board = household_leaderboard(t.bob)
    assert [(r.name, r.rank, r.points) for r in town_board.rows] == [
        ("1号", 1, 50),
        ("2号", 1, 50),
        ("3号", 3, 10),
    ]
    assert (town_board.my_rank, town_board.my_points) == (3, 10)
    community = household_leaderboard(t.alice, scope=Scope.COMMUNITY, limit=1)
    assert len(community.rows) == 1 and community.my_rank == 1
    # the board is kept for a minute; the viewer's own household's points are live
    award(t.bob, 10)
    again = household_leaderboard(t.bob)
    assert again.rows == town_board.rows
    assert (again.my_rank, again.my_points) == (3, 20)
    # a deactivated member no longer counts, once the kept board has expired
    t.dan.is_active = False
    t.dan.save(update_fields=["is_active"])
    cache.clear()
    assert household_leaderboard(t.alice).rows[0].name == "2号"


def test_board_page_every_period_scope_and_kind(client, more, award):
    t = more
    award(t.bob, 20)
    award(t.alice, 10)
    snapshot_take(town=t.town, day=dt.date(2026, 3, 1))
    client.force_login(t.alice)
    for kind in ("residents", "households"):
        for scope in Scope.CHOICES:
            for period in ("daily", *Period.CHOICES, "bogus"):
                resp = client.get(
                    reverse("portal:leaderboard"),
                    {"kind": kind, "scope": scope, "period": period},
                )
                assert resp.status_code == 200
    html = client.get(reverse("portal:leaderboard")).content.decode()
    assert "2026-03-01" in html and "Bob" in html and "13900139002" not in html
    assert client.get(reverse("portal:leaderboard")).context["daily"].mine.rank == 2


def test_civic_star_goes_to_the_top_earner_of_each_community_and_shows_on_profile(
    client, more, award
):
    # given March: alice 40 and dan 40 (tie) in A, eve 10; bob 20 in B
    t = more
    award(t.alice, 40)
    award(t.dan, 40)
    award(t.eve, 10)
    award(t.bob, 20)
    award(t.eve, 500, dt.date(2026, 4, 1))  # April does not count
    march = dt.date(2026, 3, 1)
    # when community staff of A evaluate March
    drafts = honours_evaluate(actor=t.staff_a, kind="civic_star", period_start=march)
    # then only A is evaluated, the tie shares the honour, nothing is public yet
    assert sorted(h.resident.nickname for h in drafts) == ["Alice", "Dan"]
    assert honours_of(t.alice) == []
    # a rerun gives the same drafts
    again = honours_evaluate(actor=t.staff_a, kind="civic_star", period_start=march)
    assert Honour.objects.count() == 2 and len(again) == 2
    # when published
    assert honours_publish(actor=t.staff_a, kind="civic_star", period_start=march) == 2
    assert honours_publish(actor=t.staff_a, kind="civic_star", period_start=march) == 0
    # then it is on the profile, the roll, and in alice's inbox
    assert [h.kind for h in honours_of(t.alice)] == ["civic_star"]
    assert Notification.objects.filter(recipient=t.alice, kind="general").count() == 1
    t.alice.language = "en"  # signed-in people see their saved language
    t.alice.save(update_fields=["language"])
    client.force_login(t.alice)
    assert (
        "Civic star"
        in client.get(reverse("portal:profile"), headers={"accept-language": "en"}).content.decode()
    )
    roll = client.get(reverse("rankings:honours")).content.decode()
    assert "Alice" in roll and "Dan" in roll
    # and a published honour is not re-evaluated
    award(t.eve, 100, dt.date(2026, 3, 5))
    honours_evaluate(actor=t.admin, kind="civic_star", period_start=march)
    stars = Honour.objects.filter(kind="civic_star")
    assert sorted(h.resident.nickname for h in stars) == ["Alice", "Bob", "Dan"]
    assert stars.get(resident=t.bob).status == HonourStatus.DRAFT


def test_civilized_household_of_the_year(more, award):
    t = more
    h1 = Household.objects.create(community=t.a, name="1号")
    h2 = Household.objects.create(community=t.a, name="2号")
    t.alice.household = h1
    t.alice.save(update_fields=["household"])
    t.eve.household = h2
    t.eve.save(update_fields=["household"])
    award(t.alice, 30, dt.date(2025, 6, 1))
    award(t.eve, 20, dt.date(2025, 6, 1))
    drafts = honours_evaluate(
        actor=t.admin, kind="civilized_household", period_start=dt.date(2025, 1, 1)
    )
    assert [(h.household.name, h.points) for h in drafts] == [("1号", 30)]
    honours_publish(actor=t.admin, kind="civilized_household", period_start=dt.date(2025, 1, 1))
    assert [h.kind for h in honours_of(t.alice)] == ["civilized_household"]
    assert honours_of(t.eve) == []


def test_honour_errors(more):
    t = more
    with pytest.raises(OutOfScope) as e:
        honours_evaluate(actor=t.alice, kind="civic_star", period_start=dt.date(2026, 3, 1))
    assert e.value.code == "staff_only"
    with pytest.raises(InvalidInput) as e:
        honours_evaluate(actor=t.staff_a, kind="civic_star", period_start=dt.date(2026, 3, 2))
    assert e.value.field == "period_start"
    with pytest.raises(InvalidInput) as e:
        honours_evaluate(
            actor=t.staff_a,
            kind="civic_star",
            period_start=dt.date(2026, 3, 1),
            today=dt.date(2026, 3, 31),
        )
    assert e.value.code == "period_not_over"
    with pytest.raises(NotFound) as e:
        honours_publish(actor=t.staff_a, kind="civic_star", period_start=dt.date(2026, 3, 1))
    assert e.value.code == "no_drafts"


def test_staff_honours_page(client, more, award):
    t = more
    award(t.alice, 10)
    client.force_login(t.staff_a)
    url = reverse("rankings:staff_honours")
    assert client.get(url).status_code == 200
    resp = client.post(url, {"kind": "civic_star", "period_start": "2026-03-01"})
    assert resp.status_code == 302
    resp = client.post(
        url, {"kind": "civic_star", "period_start": "2026-03-01", "action": "publish"}
    )
    assert resp.status_code == 302
    assert Honour.objects.get().status == HonourStatus.PUBLISHED
    bad = client.post(url, {"kind": "civic_star", "period_start": "2026-03-04"})
    assert bad.status_code == 200 and bad.context["form"].errors["period_start"]
    client.force_login(t.alice)
    assert client.get(url).status_code == 403
