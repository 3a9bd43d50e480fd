"""The daily ranking snapshot: ranks, ties, arrows, exclusions, reruns, catch-up, midnight."""

import datetime as dt

from django.core.management import call_command

from civicpoints.core.jobs import registered_jobs
from civicpoints.points.models import PointTransaction
from civicpoints.points.services import points_reverse
from civicpoints.rankings.models import RankingSnapshot
from civicpoints.rankings.selectors import daily_board
from civicpoints.rankings.services import snapshot_catch_up, snapshot_take

D1 = dt.date(2026, 3, 1)
D2 = dt.date(2026, 3, 2)


def ranks(day, scope="town"):
    """{nickname: (rank, points, rank the day before)} in ``scope`` on ``day``."""
    rows = RankingSnapshot.objects.filter(day=day).select_related("resident")
    return {
        r.resident.nickname: (
            r.rank_in(scope),
            r.points,
            r.previous_town_rank if scope == "town" else r.previous_community_rank,
        )
        for r in rows
    }


def test_ties_share_a_rank_and_the_next_rank_skips(more, award):
    # given points 100, 60, 60, 20 in the town
    t = more
    award(t.bob, 100)
    award(t.alice, 60)
    award(t.dan, 60)
    award(t.eve, 20)
    # when
    written = snapshot_take(town=t.town, day=D1)
    # then: 1, 2, 2, 4 in the town; in community A (alice, dan, eve) 1, 1, 3
    assert written == 4
    assert {k: v[0] for k, v in ranks(D1).items()} == {"Bob": 1, "Alice": 2, "Dan": 2, "Eve": 4}
    comm = {k: v[0] for k, v in ranks(D1, "community").items()}
    assert comm == {"Alice": 1, "Dan": 1, "Eve": 3, "Bob": 1}


def test_change_arrows_compare_with_the_day_before(more, award):
    # given day 1: bob 100, alice 60, eve 20 — day 2: alice +50, eve +100, dan new
    t = more
    award(t.bob, 100, D1)
    award(t.alice, 60, D1)
    award(t.eve, 20, D1)
    award(t.alice, 50, D2)
    award(t.eve, 100, D2)
    award(t.dan, 10, D2)
    # when
    snapshot_take(town=t.town, day=D1)
    snapshot_take(town=t.town, day=D2)
    # then
    assert ranks(D2) == {
        "Eve": (1, 120, 3),
        "Alice": (2, 110, 2),
        "Bob": (3, 100, 1),
        "Dan": (4, 10, None),
    }
    board = daily_board(t.alice, day=D2)
    assert [(r.nickname, r.change) for r in board.rows] == [
        ("Eve", 2),
        ("Alice", 0),
        ("Bob", -2),
        ("Dan", None),
    ]
    assert board.rows[0].day_points == 100


def test_the_daily_page_draws_the_arrows(client, more, award):
    # given eve overtakes bob on day 2
    t = more
    award(t.bob, 100, D1)
    award(t.eve, 20, D1)
    award(t.eve, 100, D2)
    snapshot_take(town=t.town, day=D1)
    snapshot_take(town=t.town, day=D2)
    award(t.dan, 10, D2)  # after the snapshot: not on the daily board yet
    # when
    client.force_login(t.dan)
    html = client.get("/leaderboard/?period=daily").content.decode()
    # then
    assert "▲1" in html and "▼1" in html and "Dan" not in html


def test_staff_deactivated_and_zero_residents_are_left_out(more, award):
    # given staff cannot earn, a deactivated resident with points, one without points
    t = more
    award(t.alice, 30)
    award(t.dan, 50)
    t.dan.is_active = False
    t.dan.save(update_fields=["is_active"])
    # when
    snapshot_take(town=t.town, day=D1)
    # then
    assert set(ranks(D1)) == {"Alice"}
    assert ranks(D1)["Alice"][0] == 1
    assert daily_board(t.staff_a).mine is None


def test_points_are_earned_not_balance_and_a_later_reversal_counts_from_its_day(more, award):
    # given alice earns 60 on 1 March and 10 of it is reversed today; bob earns 50
    # on 1 March and spends it all
    from civicpoints.core.timeutil import local_date
    from civicpoints.points.services import points_spend

    t = more
    rows = award(t.alice, 60)
    points_reverse(original=rows[0])
    award(t.bob, 50)
    points_spend(resident=t.bob, points=50, idempotency_key="spend-1")
    today = local_date()
    # when
    snapshot_take(town=t.town, day=D1)
    snapshot_take(town=t.town, day=today)
    # then spending does not lower a rank; the reversal lowers alice from its day on
    assert ranks(D1) == {"Alice": (1, 60, None), "Bob": (2, 50, None)}
    assert {k: v[:2] for k, v in ranks(today).items()} == {"Alice": (1, 50), "Bob": (1, 50)}


def test_a_rerun_changes_nothing(more, award):
    # given a snapshot of two days
    t = more
    award(t.alice, 20, D1)
    award(t.bob, 30, D2)
    snapshot_take(town=t.town, day=D1)
    snapshot_take(town=t.town, day=D2)
    before = list(RankingSnapshot.objects.order_by("day", "resident_id").values())
    # when both days are taken again, and the job runs twice
    snapshot_take(town=t.town, day=D1)
    snapshot_take(town=t.town, day=D2)
    snapshot_catch_up(today=D2 + dt.timedelta(days=1))
    snapshot_catch_up(today=D2 + dt.timedelta(days=1))
    # then
    after = list(RankingSnapshot.objects.order_by("day", "resident_id").values())
    assert after == before


def test_a_missed_day_is_caught_up_in_order(more, award):
    # given a snapshot of 1 March, then the job did not run on 2 and 3 March
    t = more
    award(t.alice, 20, D1)
    snapshot_take(town=t.town, day=D1)
    award(t.bob, 30, D2)
    award(t.alice, 20, D2 + dt.timedelta(days=1))
    # when the job runs on 4 March
    summary = snapshot_catch_up(today=dt.date(2026, 3, 4))
    # then 2 and 3 March are taken, each against the day before
    assert "baqiao:2026-03-02" in summary and "baqiao:2026-03-03" in summary
    days = set(RankingSnapshot.objects.values_list("day", flat=True))
    assert days == {D1, D2, dt.date(2026, 3, 3)}
    assert ranks(D2) == {"Bob": (1, 30, None), "Alice": (2, 20, 1)}
    assert ranks(dt.date(2026, 3, 3)) == {"Alice": (1, 40, 2), "Bob": (2, 30, 1)}
    assert snapshot_catch_up(today=dt.date(2026, 3, 4)).endswith("none missing")


def test_a_town_without_snapshots_starts_with_yesterday(more, award):
    award(more.alice, 20, D1)
    snapshot_catch_up(today=dt.date(2026, 3, 10))
    assert set(RankingSnapshot.objects.values_list("day", flat=True)) == {dt.date(2026, 3, 9)}


def test_local_midnight_decides_the_day(more, award):
    # given 23:59 local on 1 March (15:59 UTC) and 00:00 local on 2 March (16:00 UTC)
    t = more
    award(t.alice, 10, at=dt.datetime(2026, 3, 1, 15, 59, tzinfo=dt.UTC))
    award(t.bob, 10, at=dt.datetime(2026, 3, 1, 16, 0, tzinfo=dt.UTC))
    # when
    snapshot_take(town=t.town, day=D1)
    snapshot_take(town=t.town, day=D2)
    # then bob's points belong to 2 March
    assert ranks(D1) == {"Alice": (1, 10, None)}
    assert ranks(D2) == {"Alice": (1, 10, 1), "Bob": (1, 10, None)}
    d2 = {r.nickname: r.day_points for r in daily_board(t.alice, day=D2).rows}
    assert d2 == {"Alice": 0, "Bob": 10}


def test_snapshot_points_equal_direct_ledger_sums_on_a_seeded_town(db):
    # given the demo town at a small scale, with history up to 31 March
    from django.db.models import Sum

    from civicpoints.demo.town import seed_town

    seed_town(scale=0.005, seed=5, end=dt.date(2026, 3, 31), quiet=True)
    day = dt.date(2026, 3, 20)
    # when
    from civicpoints.accounts.models import Town

    town = Town.objects.get()
    snapshot_take(town=town, day=day)
    # then every resident's points are the ledger's earned rows up to the day
    direct = dict(
        PointTransaction.objects.earned()
        .filter(local_date__lte=day, resident__role="resident", resident__is_active=True)
        .values_list("resident_id")
        .annotate(s=Sum("points"))
        .filter(s__gt=0)
    )
    snap = dict(RankingSnapshot.objects.filter(day=day).values_list("resident_id", "points"))
    assert snap == direct and len(snap) > 10
    # and ranks are competition ranks over those points
    for rid, pts in list(snap.items())[:20]:
        rank = RankingSnapshot.objects.get(day=day, resident_id=rid).town_rank
        assert rank == 1 + sum(1 for p in snap.values() if p > pts)


def test_the_job_is_registered_at_local_midnight_and_runs_once(more, award):
    award(more.alice, 10)
    jobs = registered_jobs()
    job = jobs["rankings.daily_snapshot"]
    assert job.cron == "5 0 * * *" and job.catch_up
    call_command("run_jobs", "--once", "rankings.daily_snapshot")
    assert RankingSnapshot.objects.exists()


def test_a_resident_who_moved_community_is_new_there_but_keeps_the_town_arrow(more, award):
    # given alice ranked in A on day 1, then moved to B
    t = more
    award(t.alice, 20, D1)
    award(t.bob, 10, D1)
    snapshot_take(town=t.town, day=D1)
    t.alice.community = t.b
    t.alice.save(update_fields=["community"])
    # when
    snapshot_take(town=t.town, day=D2)
    # then
    assert ranks(D2, "town")["Alice"] == (1, 20, 1)
    assert ranks(D2, "community") == {"Alice": (1, 20, None), "Bob": (2, 10, 1)}
