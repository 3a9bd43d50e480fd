"""The accounts' period scores (issue 17): moved with every ledger row, equal to the
ledger's sums, and what the period leaderboards read."""

import datetime as dt

import pytest
from django.db.models import Sum

from civicpoints.core.timeutil import local_date, local_midnight
from civicpoints.points import selectors, services
from civicpoints.points.models import PointAccount, PointRule, PointTransaction
from civicpoints.points.selectors import Period, leaderboard, period_start

PERIODS = (
    (Period.TODAY, "day"),
    (Period.WEEK, "week"),
    (Period.MONTH, "month"),
    (Period.YEAR, "year"),
)


def _at(day: dt.date) -> dt.datetime:
    return local_midnight(day) + dt.timedelta(hours=10)


def _scores(resident) -> dict:
    a = PointAccount.objects.get(resident=resident)
    return {p: (getattr(a, f"{p}_of"), getattr(a, f"{p}_points")) for _, p in PERIODS}


def _ledger_scores(resident, today) -> dict:
    out = {}
    for period, p in PERIODS:
        start = period_start(period, today)
        got = PointTransaction.objects.earned().filter(
            resident=resident, local_date__range=(start, today)
        )
        out[p] = (start, got.aggregate(s=Sum("points"))["s"] or 0)
    return out


def test_period_scores_follow_awards_reversals_and_adjustments_and_match_the_ledger(town, catalog):
    patrol = PointRule.objects.get(code="voluntary_patrol")
    today = local_date()
    # rows over the last 400 days, written oldest first and out of order
    days = [400, 40, 8, 1, 0, 3, 380]
    rows = []
    for n, back in enumerate(days):
        rows.append(
            services.points_award(
                resident=town.alice,
                rule=patrol,
                actor=town.staff_a,
                idempotency_key=f"p-{n}",
                at=_at(today - dt.timedelta(days=back)),
            )
        )
    services.points_reverse(original=rows[4], actor=town.staff_a)  # today's award, reversed today
    services.points_spend(resident=town.alice, points=10, idempotency_key="spend")  # not earned
    services.points_adjust(
        actor=town.staff_a, resident=town.alice, points=7, reason="补录", idempotency_key="adj"
    )
    services.points_award(resident=town.bob, rule=patrol, actor=town.staff_b, idempotency_key="bob")

    assert _scores(town.alice) == _ledger_scores(town.alice, today)
    assert _scores(town.bob) == _ledger_scores(town.bob, today)
    assert _scores(town.alice)["day"] == (today, 7)  # +award -reversal +7
    # the recount writes the same figures
    before = {r: _scores(r) for r in (town.alice, town.bob)}
    PointAccount.objects.update(year_points=999, day_of=None)
    assert services.period_scores_rebuild() >= 2
    assert {r: _scores(r) for r in (town.alice, town.bob)} == before
    # and the boards read them: today Bob leads (Alice has 7 today)
    board = leaderboard(town.alice, period=Period.TODAY)
    assert [(r.nickname, r.points) for r in board.rows] == [("Bob", patrol.points), ("Alice", 7)]
    assert board.my_rank == 2 and board.my_points == 7


@pytest.mark.parametrize("period", [Period.TODAY, Period.YEAR, Period.ALL])
def test_a_deep_rank_from_the_cached_histogram_equals_the_exact_count(
    town, catalog, monkeypatch, period
):
    from civicpoints.accounts.services import resident_register

    patrol = PointRule.objects.create(
        town=town.town,
        code="uncapped",
        category="community_construction",
        name_zh="测",
        name_en="T",
        points=3,
        requires_confirmation=False,
    )
    people = [town.alice, town.bob]
    people += [
        resident_register(
            mobile=f"1360000{i:04d}", nickname=f"r{i}", password=None, community=town.a
        )
        for i in range(6)
    ]
    for i, person in enumerate(people):  # person i earns i // 2 + 1 awards: ties in pairs
        for k in range(i // 2 + 1):
            services.points_award(resident=person, rule=patrol, idempotency_key=f"h-{i}-{k}")
    expected = [7, 7, 5, 5, 3, 3, 1, 1]
    assert [leaderboard(p, period=period).my_rank for p in people] == expected
    # ranks deeper than one entry now come from the histogram
    monkeypatch.setattr(selectors, "EXACT_RANK_WITHIN", 1)
    assert [leaderboard(p, period=period, limit=1).my_rank for p in people] == expected
