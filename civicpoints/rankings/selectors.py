"""Read queries for the rankings: the daily snapshot board, household boards, honours.

Resident period boards (today, week, month, year, all time) are
``civicpoints.points.selectors.leaderboard``; this module adds what needs the
snapshots or households. Every board uses standard competition ranking
(1, 2, 2, 4) and leaves out staff and deactivated residents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, Q, QuerySet, Sum

from civicpoints.accounts.models import Household, Role, User
from civicpoints.accounts.scope import town_of
from civicpoints.core.timeutil import local_date
from civicpoints.points.models import PointTransaction
from civicpoints.points.selectors import Period, Scope, period_start
from civicpoints.rankings.models import Honour, HonourStatus, RankingSnapshot, SnapshotRun


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
    if day is None:
        day = SnapshotRun.objects.filter(town_id=town_of(viewer)).aggregate(d=Max("day"))["d"]
    if day is None:
        return DailyBoard(None, scope, [], None)
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
    rows = [_daily_row(s, scope) for s in snaps.order_by(order, "resident_id")[:limit]]
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

    Returns:
        A HouseholdBoard with the top ``limit`` rows and the viewer's household
        rank (None without a household or without points in the period).
    """
    limit = max(1, min(int(limit), 100))
    start = period_start(period, today or local_date())
    rows_qs = PointTransaction.objects.earned().filter(
        resident__household__isnull=False,
        resident__role=Role.RESIDENT,
        resident__is_active=True,
        town_id=town_of(viewer),
    )
    if start is not None:
        rows_qs = rows_qs.filter(local_date__range=(start, today or local_date()))
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
