"""Read queries for the rankings: the daily snapshot board, household boards, honours.

Resident period boards (today, week, month, year, all time) are
``civicpoints.points.selectors.leaderboard``; this module adds what needs the
snapshots or households. Every board uses standard competition ranking
(1, 2, 2, 4) and leaves out staff and deactivated residents.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Max, Q, QuerySet, Sum

from civicpoints.accounts.models import Household, Role, User
from civicpoints.accounts.scope import town_of
from civicpoints.core.timeutil import local_date
from civicpoints.points.models import PointAccount, PointTransaction
from civicpoints.points.selectors import PERIOD_FIELDS, Period, Scope, period_start
from civicpoints.rankings.models import Honour, HonourStatus, RankingSnapshot, SnapshotRun

#: How long the top rows of a published daily snapshot are kept (they never change).
DAILY_BOARD_CACHE_SECONDS = 6 * 3600


@dataclass(frozen=True)
class DailyRow:
    """One line of the daily board in its scope."""

    rank: int
    change: int | None
    resident_id: int
    nickname: str
    community: str
    points: int
    day_points: int


@dataclass(frozen=True)
class DailyBoard:
    """The latest published snapshot: ``day`` is None when none exists yet."""

    day: dt.date | None
    scope: str
    rows: list[DailyRow]
    mine: DailyRow | None


def _daily_row(snap: RankingSnapshot, scope: str) -> DailyRow:
    return DailyRow(
        snap.rank_in(scope),
        snap.change_in(scope),
        snap.resident_id,
        snap.resident.nickname,
        snap.community.name,
        snap.points,
        snap.day_points,
    )


def daily_board(
    viewer: User, *, scope: str = Scope.TOWN, limit: int = 100, day: dt.date | None = None
) -> DailyBoard:
    """The daily ranking of the viewer's town or community from the latest snapshot.

    Args:
        viewer: decides the town / community shown.
        scope: ``town`` or ``community``.
        limit: rows (1–100), by rank.
        day: show the snapshot of this local day instead of the latest one.

    Returns:
        A DailyBoard of DailyRow: ``rank``, ``change`` (places gained since
        the day before, negative when lost, None when new), ``points`` (earned
        to date) and ``day_points``. ``mine`` is the viewer's own row even
        outside the top rows (None when not ranked).
    """
    limit = max(1, min(int(limit), 100))
    runs = SnapshotRun.objects.filter(town_id=town_of(viewer))
    run = (runs.filter(day=day) if day else runs.order_by("-day")).values("day", "taken_at").first()
    if run is None:
        return DailyBoard(None, scope, [], None)
    day = run["day"]
    if scope == Scope.COMMUNITY:
        snaps = (
            RankingSnapshot.objects.filter(community_id=viewer.community_id, day=day)
            if viewer.community_id
            else RankingSnapshot.objects.none()  # a viewer in no community has no board
        )
        order = "community_rank"
    else:
        snaps = RankingSnapshot.objects.filter(town_id=town_of(viewer), day=day)
        order = "town_rank"
    snaps = snaps.select_related("resident", "community")
    # A published snapshot does not change: its top rows are kept under a key
    # naming the run (a snapshot taken again has a new ``taken_at``).
    who = viewer.community_id if scope == Scope.COMMUNITY else town_of(viewer)
    key = f"daily:{scope}:{who}:{day}:{run['taken_at'].timestamp()}"
    top: list[DailyRow] | None = cache.get(key)
    if top is None:
        top = [_daily_row(s, scope) for s in snaps.order_by(order, "resident_id")[:100]]
        cache.set(key, top, DAILY_BOARD_CACHE_SECONDS)
    rows = top[:limit]
    mine = next((r for r in rows if r.resident_id == viewer.pk), None)
    if mine is None:
        found = snaps.filter(resident_id=viewer.pk).first()
        mine = _daily_row(found, scope) if found else None
    return DailyBoard(day, scope, rows, mine)


def my_daily_rank(viewer: User) -> DailyRow | None:
    """The viewer's row (town scope) in the latest daily snapshot, or None when unranked.

    Two indexed lookups (the latest snapshot day, then the (day, resident)
    primary key), so it costs the same at 38,000 or 1,000,000 residents; the
    home page and ``/me/points`` use it instead of counting the live ledger.
    """
    day = SnapshotRun.objects.filter(town_id=town_of(viewer)).aggregate(d=Max("day"))["d"]
    if day is None:
        return None
    snap = (
        RankingSnapshot.objects.filter(day=day, resident_id=viewer.pk)
        .select_related("resident", "community")
        .first()
    )
    return _daily_row(snap, Scope.TOWN) if snap else None


@dataclass(frozen=True)
class HouseholdRow:
    rank: int
    household_id: int
    name: str
    community: str
    points: int


@dataclass(frozen=True)
class HouseholdBoard:
    scope: str
    period: str
    rows: list[HouseholdRow]
    my_rank: int | None
    my_points: int


def household_leaderboard(
    viewer: User,
    *,
    scope: str = Scope.TOWN,
    period: str = Period.ALL,
    limit: int = 100,
    today: dt.date | None = None,
) -> HouseholdBoard:
    """Households of the viewer's town or community by points their members earned.

    A household's points are the sum of what its active resident members earned
    in the period (local days; ``all`` = all time). Ties share a rank.

    For the current periods the board is summed from the members' accounts
    (``PointAccount.lifetime_earned`` and the period scores) and kept in the
    cache for ``settings.LEADERBOARD_HISTOGRAM_SECONDS`` (60 s): the top rows and
    the other households' scores may be that old; the viewer's own household's
    points are always live. A past ``today`` is summed from the ledger.

    Returns:
        A HouseholdBoard with the top ``limit`` rows (1–100) and the viewer's
        household rank (None without a household or without points in the period).
    """
    limit = max(1, min(int(limit), 100))
    if today is not None and today != local_date():
        return _household_board_from_ledger(viewer, scope, period, limit, today)
    start = period_start(period, local_date())
    community = viewer.community_id if scope == Scope.COMMUNITY else 0
    key = f"hboard:{town_of(viewer)}:{scope}:{community}:{period}:{start}"
    board = cache.get(key)
    if board is None:
        board = _household_board_build(viewer, scope, period, start)
        cache.set(key, board, settings.LEADERBOARD_HISTOGRAM_SECONDS)
    top, scores, above, total = board
    rows = top[:limit]
    my_rank, my_points = None, 0
    if viewer.household_id and (scope != Scope.COMMUNITY or viewer.community_id):
        # the household's members by the (household) index, then each one's account
        members = PointAccount.objects.filter(
            resident_id__in=User.objects.filter(
                household_id=viewer.household_id, role=Role.RESIDENT, is_active=True
            ).values("pk")
        )
        if scope == Scope.COMMUNITY and viewer.community_id:
            members = members.filter(resident__household__community_id=viewer.community_id)
        if start is not None:
            on, pts = PERIOD_FIELDS[period]
            members = members.filter(**{on: start}).annotate(score=F(pts))
        else:
            members = members.annotate(score=F("lifetime_earned"))
        my_points = members.aggregate(s=Sum("score"))["s"] or 0
        if my_points > 0:
            i = bisect.bisect_right(scores, my_points)
            my_rank = (above[i - 1] if i else total) + 1
        else:
            my_points = 0
    return HouseholdBoard(scope, period, rows, my_rank, my_points)


def _household_scores(viewer: User, period: str, start: dt.date | None) -> QuerySet[Any]:
    """Accounts of the viewer's town's ranked residents in households, with ``score``."""
    accounts = PointAccount.objects.filter(
        town_id=town_of(viewer),
        resident__household__isnull=False,
        resident__role=Role.RESIDENT,
        resident__is_active=True,
    )
    if start is None:
        return accounts.filter(lifetime_earned__gt=0).annotate(score=F("lifetime_earned"))
    on, pts = PERIOD_FIELDS[period]
    return accounts.filter(**{on: start, f"{pts}__gt": 0}).annotate(score=F(pts))


def _household_board_build(
    viewer: User, scope: str, period: str, start: dt.date | None
) -> tuple[list[HouseholdRow], list[int], list[int], int]:
    """The top 100 households and a histogram of every household's score (one GROUP BY)."""
    accounts = _household_scores(viewer, period, start)
    if scope == Scope.COMMUNITY:
        accounts = (
            accounts.filter(resident__household__community_id=viewer.community_id)
            if viewer.community_id
            else accounts.none()  # a viewer in no community has no board
        )
    totals = (
        accounts.values("resident__household_id")
        .annotate(total=Sum("score"))
        .filter(total__gt=0)
        .values_list("resident__household_id", "total")
    )
    ranked = sorted(totals.order_by(), key=lambda r: (-r[1], r[0]))
    top = ranked[:100]
    names = {
        h.pk: (h.name, h.community.name)
        for h in Household.objects.filter(pk__in=[h for h, _ in top]).select_related("community")
    }
    rows: list[HouseholdRow] = []
    for i, (hid, points) in enumerate(top):
        rank = rows[-1].rank if rows and rows[-1].points == points else i + 1
        rows.append(HouseholdRow(rank, hid, *names[hid], points))
    counts: dict[int, int] = {}
    for _, points in ranked:
        counts[points] = counts.get(points, 0) + 1
    scores = sorted(counts)
    above = [0] * len(scores)  # above[i] = households with more points than scores[i]
    total = 0
    for i in range(len(scores) - 1, -1, -1):
        above[i] = total
        total += counts[scores[i]]
    return rows, scores, above, total


def _household_board_from_ledger(
    viewer: User, scope: str, period: str, limit: int, today: dt.date
) -> HouseholdBoard:
    """The household board of a past day's periods, summed from the ledger."""
    start = period_start(period, today)
    rows_qs = PointTransaction.objects.earned().filter(
        resident__household__isnull=False,
        resident__role=Role.RESIDENT,
        resident__is_active=True,
        town_id=town_of(viewer),
    )
    if start is not None:
        rows_qs = rows_qs.filter(local_date__range=(start, today))
    if scope == Scope.COMMUNITY:
        rows_qs = (
            rows_qs.filter(resident__household__community_id=viewer.community_id)
            if viewer.community_id
            else rows_qs.none()  # a viewer in no community has no board
        )
    base = (
        rows_qs.values("resident__household_id").annotate(score=Sum("points")).filter(score__gt=0)
    )
    top = list(base.order_by("-score", "resident__household_id")[:limit])
    names = {
        h.pk: (h.name, h.community.name)
        for h in Household.objects.filter(
            pk__in=[r["resident__household_id"] for r in top]
        ).select_related("community")
    }
    rows: list[HouseholdRow] = []
    for i, r in enumerate(top):
        rank = rows[-1].rank if rows and rows[-1].points == r["score"] else i + 1
        name, comm = names[r["resident__household_id"]]
        rows.append(HouseholdRow(rank, r["resident__household_id"], name, comm, r["score"]))
    my_rank, my_points = None, 0
    if viewer.household_id:
        mine = next((r for r in rows if r.household_id == viewer.household_id), None)
        if mine:
            my_rank, my_points = mine.rank, mine.points
        else:
            found = list(base.filter(resident__household_id=viewer.household_id)[:1])
            if found:
                my_points = found[0]["score"]
                my_rank = base.filter(score__gt=my_points).count() + 1
    return HouseholdBoard(scope, period, rows, my_rank, my_points)


def honour_roll(town_id: int) -> QuerySet[Honour]:
    """Published honours of the town, newest period first."""
    return (
        Honour.objects.filter(town_id=town_id, status=HonourStatus.PUBLISHED)
        .select_related("resident", "household", "community")
        .order_by("-period_start", "kind", "community__name")
    )


def honours_of(person: User) -> list[Honour]:
    """Published honours held by ``person`` or by their household, newest first."""
    holder = Q(resident=person)
    if person.household_id:
        holder |= Q(household_id=person.household_id)
    return list(
        Honour.objects.for_town(person.town_id)
        .filter(holder, status=HonourStatus.PUBLISHED)
        .select_related("community")
        .order_by("-period_start")
    )


def honour_drafts(actor: User) -> QuerySet[Honour]:
    """Honours (drafts and published) in the staff member's scope, newest first."""
    qs = Honour.objects.for_town(actor.town_id).select_related("resident", "household", "community")
    if actor.role == Role.TOWN_ADMIN:
        return qs
    if actor.role == Role.GRID_WORKER:  # their grid's residents and households only
        return (
            qs.filter(community_id=actor.community_id)
            .filter(
                Q(resident__grid_id=actor.grid_id) | Q(household__members__grid_id=actor.grid_id)
            )
            .distinct()
        )
    # other staff always have a community (User's CHECK constraint)
    return qs.filter(community_id=actor.community_id) if actor.community_id else qs.none()
