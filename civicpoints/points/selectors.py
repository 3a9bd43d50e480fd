"""Read queries over points: history, balances, leaderboards, reconciliation.

Leaderboards rank by points *earned* (awards and adjustments net of their
reversals), not by balance, with standard competition ranking (1, 2, 2, 4).
Only active residents are ranked; staff and merchant accounts are left out.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from civicpoints.accounts.models import Household, Role, Town, User
from civicpoints.accounts.scope import town_of
from civicpoints.core.timeutil import local_date
from civicpoints.points.models import (
    PendingAdjustment,
    PendingStatus,
    PointAccount,
    PointRule,
    PointTransaction,
)


def account_for(resident: User) -> PointAccount:
    """The resident's balance row; an unsaved zero account if they have none yet."""
    try:
        account: PointAccount = PointAccount.objects.for_town(resident.town_id).get(
            resident=resident
        )
        return account
    except PointAccount.DoesNotExist:
        return PointAccount(resident=resident, town_id=town_of(resident))


def household_points(household: Household) -> dict[str, int]:
    """A household's points: the sums of its active members' balances and lifetime earned.

    Members are counted from the people, not from balance rows: a member who has
    has no ``PointAccount`` (not opened yet) counts with 0 points.

    Returns ``{"balance": int, "lifetime_earned": int, "members": int}`` (points).
    """
    return User.objects.filter(household=household, is_active=True).aggregate(
        balance=Coalesce(Sum("point_account__balance"), 0),
        lifetime_earned=Coalesce(Sum("point_account__lifetime_earned"), 0),
        members=Count("pk"),
    )


def points_today(resident: User, *, today: dt.date | None = None) -> int:
    """Points earned by ``resident`` on the town's local ``today`` (default: now)."""
    day = today or local_date()
    total: int = (
        PointTransaction.objects.for_town(resident.town_id)
        .earned()
        .filter(resident=resident, local_date=day)
        .aggregate(s=Coalesce(Sum("points"), 0))["s"]
    )
    return total


def history(resident: User) -> QuerySet[PointTransaction]:
    """The resident's ledger, newest first, with rule, cause type and — for an award
    confirmed past a budget — its queued award (who queued, who confirmed, why) loaded."""
    return (
        PointTransaction.objects.for_town(resident.town_id)
        .filter(resident=resident)
        .select_related(
            "rule",
            "cause_type",
            "actor",
            "queued_award__actor",
            "queued_award__decided_by",
        )
        .order_by("-created_at", "-pk")
    )


@dataclass
class LedgerLine:
    """One line of a history: a ledger row, or several alike in a row merged (a 3-hour
    event's three per-hour awards show as one "+30 (3 × 10)")."""

    first: PointTransaction
    points: int
    count: int = 1

    @property
    def rule(self) -> PointRule | None:
        return self.first.rule

    @property
    def memo(self) -> str:
        return self.first.memo

    @property
    def created_at(self) -> dt.datetime:
        return self.first.created_at

    def get_kind_display(self) -> str:
        return self.first.get_kind_display()

    @property
    def each(self) -> int:
        return self.first.points


def group_rows(rows: Iterable[PointTransaction]) -> list[LedgerLine]:
    """Merge adjacent rows with the same kind, rule, cause and points (e.g. per-hour
    awards of one sign-up) into one line; the ledger itself stays one row per award."""
    lines: list[LedgerLine] = []
    for row in rows:
        last = lines[-1].first if lines else None
        if (
            last is not None
            and row.cause_id
            and (row.kind, row.rule_id, row.cause_type_id, row.cause_id, row.points)
            == (last.kind, last.rule_id, last.cause_type_id, last.cause_id, last.points)
        ):
            lines[-1].points += row.points
            lines[-1].count += 1
        else:
            lines.append(LedgerLine(first=row, points=row.points))
    return lines


def catalog_town_id(viewer: Any, town_code: str | None = None) -> int | None:
    """Whose catalog a page shows: the signed-in person's town; for a visitor or the
    operator the town with code ``town_code``, else the first town (None: no town)."""
    if viewer is not None and viewer.is_authenticated and viewer.town_id is not None:
        return int(viewer.town_id)
    towns = Town.objects.order_by("pk")
    if town_code:
        towns = towns.filter(code=str(town_code)[:40])
    return towns.values_list("pk", flat=True).first()


def rules_by_category(town_id: int | None) -> list[tuple[str, list[PointRule]]]:
    """Town ``town_id``'s rules in force today grouped by category label, in catalog
    order."""
    groups: dict[str, list[PointRule]] = {}
    for rule in PointRule.objects.for_town(town_id).in_force():
        groups.setdefault(rule.get_category_display(), []).append(rule)
    return list(groups.items())


class Period:
    TODAY = "today"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    ALL = "all"
    CHOICES = (TODAY, WEEK, MONTH, YEAR, ALL)


def period_start(period: str, day: dt.date) -> dt.date | None:
    """First local day of the ``period`` that contains local ``day`` (weeks start on
    Monday); None for ``all``."""
    if period == Period.TODAY:
        return day
    if period == Period.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if period == Period.MONTH:
        return day.replace(day=1)
    if period == Period.YEAR:
        return day.replace(month=1, day=1)
    return None


class Scope:
    TOWN = "town"
    COMMUNITY = "community"
    CHOICES = (TOWN, COMMUNITY)


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    resident_id: int
    nickname: str
    community: str
    points: int


@dataclass(frozen=True)
class Leaderboard:
    scope: str
    period: str
    rows: list[LeaderboardRow]
    my_rank: int | None
    my_points: int


PERIOD_FIELDS = {  # period -> (start column, points column) on PointAccount
    Period.TODAY: ("day_of", "day_points"),
    Period.WEEK: ("week_of", "week_points"),
    Period.MONTH: ("month_of", "month_points"),
    Period.YEAR: ("year_of", "year_points"),
}

# Ranks deeper than this are read from a histogram of the board's scores, cached
# for LEADERBOARD_HISTOGRAM_SECONDS; above it they are counted exactly.
EXACT_RANK_WITHIN = 500


def rank_for_score(ranked: QuerySet[Any, Any], score: int, *, key: str) -> int:
    """Standard competition rank of ``score`` among the ``score`` values of ``ranked``.

    Counts exactly the entries above ``score`` while they are fewer than
    ``EXACT_RANK_WITHIN`` (an index range of at most that many rows). A deeper
    rank comes from the board's histogram (score → how many), built with one
    ``GROUP BY`` and kept in the cache under ``key`` for
    ``settings.LEADERBOARD_HISTOGRAM_SECONDS`` (default 60 s): the count of
    others is then that old at most, while ``score`` itself is live. The cost
    per call is thus bounded whatever the town's size (issue 17: at most 2× at
    1,000,000 residents of what it is at 38,000).

    Args:
        ranked: a values queryset with a ``score`` column (points), one row a competitor.
        score: the score to place (points).
        key: the cache key naming the board (town, scope, period and its start).

    Returns:
        1 + the number of competitors with a higher score.
    """
    ahead = ranked.filter(score__gt=score).order_by()
    within = ahead[:EXACT_RANK_WITHIN].count()
    if within < EXACT_RANK_WITHIN:
        return within + 1
    cached = cache.get(key)
    if cached is None:
        counts = ranked.order_by().values("score").annotate(n=Count("*")).values_list("score", "n")
        hist = sorted(counts)
        scores = [s for s, _ in hist]
        above: list[int] = [0] * len(hist)  # above[i] = competitors with a score > scores[i]
        total = 0
        for i in range(len(hist) - 1, -1, -1):
            above[i] = total
            total += hist[i][1]
        cached = (scores, above, total)
        cache.set(key, cached, settings.LEADERBOARD_HISTOGRAM_SECONDS)
    scores, above, total = cached
    i = bisect.bisect_right(scores, score)
    higher = above[i - 1] if i else total
    return max(higher, within) + 1


def _ranked(viewer: User, scope: str) -> Q:
    """Who is ranked, as a filter on the rows' ``resident``: active residents of the
    viewer's town (or community). A join, not ``IN (the town's residents)``: the
    board's index gives its rows in order and each is checked by primary key,
    so the top 100 reads about 100 rows whatever the town's size."""
    q = Q(resident__role=Role.RESIDENT, resident__is_active=True)
    if scope == Scope.COMMUNITY:
        # a viewer in no community (a town admin) has no community board
        q &= Q(resident__community_id=viewer.community_id) if viewer.community_id else Q(pk__in=[])
    return q


def leaderboard(
    viewer: User,
    *,
    scope: str = Scope.TOWN,
    period: str = Period.ALL,
    limit: int = 100,
    today: dt.date | None = None,
) -> Leaderboard:
    """The top ``limit`` residents of the viewer's town or community, and the viewer's rank.

    Args:
        viewer: the logged-in user; decides which town/community is shown.
        scope: ``town`` or ``community``.
        period: ``today`` (local day), ``week`` (Monday to today), ``month`` /
            ``year`` (local calendar month / year to date) or ``all``.
        limit: rows returned (1–100).
        today: the local day whose periods are shown (default: now; an earlier
            day is summed from the ledger, slower).

    Returns:
        A Leaderboard; ``my_rank`` is None when the viewer is not ranked (staff,
        or a resident with no points in the period). Ties share a rank. Rows
        and ``my_points`` are live; a rank deeper than ``EXACT_RANK_WITHIN``
        is placed among the others' scores of up to a minute ago
        (``rank_for_score``).
    """
    limit = max(1, min(int(limit), 100))
    ranked = _ranked(viewer, scope)
    accounts = PointAccount.objects.filter(town_id=town_of(viewer))
    start = None
    scored: QuerySet[Any, Any]
    if period == Period.ALL:
        # the (town, -lifetime_earned) index gives the top in order
        scored = accounts.filter(lifetime_earned__gt=0).annotate(score=F("lifetime_earned"))
    elif today is None or today == local_date():
        # the account's period scores (moved with each ledger row): the
        # (town, <period>_of, -<period>_points, resident) index gives the top in
        # order, whatever the town's size; no ledger rows are summed (issue 17)
        on, pts = PERIOD_FIELDS[period]
        start = period_start(period, today or local_date())
        scored = accounts.filter(**{on: start, f"{pts}__gt": 0}).annotate(score=F(pts))
    else:
        # a past day's periods: summed from the ledger (the accounts hold the latest ones)
        start = period_start(period, today)
        scored = (
            PointTransaction.objects.earned()
            .filter(town_id=town_of(viewer), local_date__range=(start, today))
            .values("resident_id")
            .annotate(score=Sum("points"))
            .filter(score__gt=0)
        )
    base = scored.filter(ranked).values("resident_id", "score")
    top = list(base.order_by("-score", "resident_id")[:limit])
    people = User.objects.filter(pk__in=[r["resident_id"] for r in top]).select_related("community")
    names = {u.pk: (u.nickname, u.community.name if u.community else "") for u in people}
    rows: list[LeaderboardRow] = []
    for i, r in enumerate(top):
        rank = rows[-1].rank if rows and rows[-1].points == r["score"] else i + 1
        nick, comm = names[r["resident_id"]]
        rows.append(LeaderboardRow(rank, r["resident_id"], nick, comm, r["score"]))

    my_points = 0
    my_rank = None
    mine = next((r for r in rows if r.resident_id == viewer.pk), None)
    if mine:
        my_rank, my_points = mine.rank, mine.points
    elif viewer.role == Role.RESIDENT and viewer.is_active:
        # the viewer is a ranked resident (just checked): their own score needs
        # no look-up of every ranked resident
        found = list(scored.filter(resident_id=viewer.pk).values("score")[:1])
        if found:
            my_points = found[0]["score"]
            scope_key = f"{scope}:{viewer.community_id if scope == Scope.COMMUNITY else 0}"
            my_rank = rank_for_score(
                base, my_points, key=f"board:{town_of(viewer)}:{scope_key}:{period}:{start}"
            )
    return Leaderboard(scope, period, rows, my_rank, my_points)


@dataclass(frozen=True)
class Discrepancy:
    resident_id: int
    balance: int | None
    ledger_balance: int
    lifetime_earned: int | None
    ledger_earned: int


def reconcile() -> list[Discrepancy]:
    """Every account whose cached balance or lifetime differs from its ledger sums.

    Also reports residents who have ledger rows but no account. Aggregates in SQL.
    """
    out: list[Discrepancy] = []
    accounts = PointAccount.objects.annotate(
        ledger_balance=Coalesce(Sum("resident__point_transactions__points"), Value(0)),
        ledger_earned=Coalesce(
            Sum(
                "resident__point_transactions__points",
                filter=Q(resident__point_transactions__counts_as_earned=True),
            ),
            Value(0),
        ),
    ).filter(~Q(balance=F("ledger_balance")) | ~Q(lifetime_earned=F("ledger_earned")))
    for a in accounts.order_by("resident_id"):
        out.append(
            Discrepancy(
                a.resident_id, a.balance, a.ledger_balance, a.lifetime_earned, a.ledger_earned
            )
        )
    orphans = (
        PointTransaction.objects.filter(resident__point_account__isnull=True)
        .values("resident_id")
        .annotate(
            total=Sum("points"),
            earned=Coalesce(Sum("points", filter=Q(counts_as_earned=True)), Value(0)),
            n=Count("pk"),
        )
    )
    for o in orphans:
        out.append(Discrepancy(o["resident_id"], None, o["total"], None, o["earned"]))
    return out


def pending_adjustments_for(actor: User) -> QuerySet[PendingAdjustment]:
    """Adjustments waiting for a second staff member that ``actor`` may decide: their
    town's, for residents in their scope, not their own requests; oldest first."""
    from civicpoints.accounts.scope import residents_in_scope, town_of

    return (
        PendingAdjustment.objects.filter(
            town_id=town_of(actor),
            status=PendingStatus.PENDING,
            resident__in=residents_in_scope(actor),
        )
        .exclude(requested_by=actor)
        .select_related("resident", "requested_by")
        .order_by("requested_at", "pk")
    )
